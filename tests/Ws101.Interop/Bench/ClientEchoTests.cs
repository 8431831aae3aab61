using System.Globalization;
using System.Net;
using Ws101.Interop.Harness;
using Ws101.Server;

namespace Ws101.Interop.Bench;

/// <summary>
/// bench/client/ClientEcho, the client bench (bench/client/run.sh): each of its clients, ours (on .NET's sockets and
/// on the event loop) and .NET's ClientWebSocket, really echoes against the floor server it is measured against and
/// reports a count and a CPU figure for it, connects and closes, and a client whose echoes come back altered fails the
/// measurement instead of counting them. A bench whose loop stopped early, or counted what it did not check, would compare nothing.
/// </summary>
public sealed class ClientEchoTests : IAsyncLifetime
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);
    private FloorServer? _floor;
    private int _port;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _floor = await FloorServer.StartAsync(RunLimit * 3, Cancel);
        _port = _floor.Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_floor is not null)
        {
            await _floor.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("ws101", 20)]
    [InlineData("clientwebsocket", 20)]
    [InlineData("ws101-loop", 20)]
    [InlineData("ws101", 70_000)]
    [InlineData("ws101-loop", 70_000)]
    [InlineData("clientwebsocket", 70_000)]
    public async Task each_client_echoes_against_the_floor_and_reports_what_it_counted_and_the_cpu_it_took(string client, int size)
    {
        var result = await RunAsync("echo", client, $"ws://127.0.0.1:{_port}/echo", "2", size.ToString(CultureInfo.InvariantCulture), "0.2", "0.5");

        Assert.Equal(client, result["client"]);
        Assert.Equal(size.ToString(CultureInfo.InvariantCulture), result["size"]);
        Assert.True(long.Parse(result["count"], CultureInfo.InvariantCulture) > 0, "no echo was counted in the window");
        Assert.True(double.Parse(result["cpu_us"], CultureInfo.InvariantCulture) > 0, "no CPU was counted per message");
        Assert.True(double.Parse(result["seconds"], CultureInfo.InvariantCulture) >= 0.5, "the window was shorter than asked");
    }

    [Theory]
    [InlineData("ws101")]
    [InlineData("ws101-loop")]
    [InlineData("clientwebsocket")]
    public async Task each_client_opens_and_closes_connections_in_a_loop_and_counts_them(string client)
    {
        var result = await RunAsync("connect", client, $"ws://127.0.0.1:{_port}/echo", "2", "0.2", "0.5");

        Assert.True(long.Parse(result["count"], CultureInfo.InvariantCulture) > 0, "no connection was counted in the window");
        Assert.True(double.Parse(result["cpu_us"], CultureInfo.InvariantCulture) > 0);
    }

    [Theory]
    [InlineData("ws101")]
    [InlineData("clientwebsocket")]
    public async Task an_echo_that_comes_back_altered_fails_the_measurement(string client)
    {
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/altered", async (ws, stopping) =>
        {
            while (true)
            {
                var message = await ws.ReceiveAsync(stopping);
                if (message.IsClose)
                {
                    return;
                }
                byte[] altered = message.ToArray();
                altered[^1] ^= 0xFF;
                await ws.SendBinaryAsync(altered, stopping);
            }
        });
        await server.StartAsync(Cancel);

        await using var run = PeerProcess.Start("ClientEcho", CliProgram.DotnetHost(),
            [Assembly(), "echo", client, $"ws://127.0.0.1:{server.EndPoints[0].Port}/altered", "1", "20", "0.2", "0.5"], RunLimit);
        int exit = await run.WaitForExitAsync(RunLimit, Cancel);

        Assert.Equal(1, exit);
        Assert.Contains(run.StderrLines, l => l.Contains("came back different", StringComparison.Ordinal));
        Assert.DoesNotContain(run.StdoutLines, l => l.StartsWith("RESULT ", StringComparison.Ordinal));
    }

    private static async Task<Dictionary<string, string>> RunAsync(params string[] arguments)
    {
        await using var run = PeerProcess.Start("ClientEcho", CliProgram.DotnetHost(), [Assembly(), .. arguments], RunLimit);
        int exit = await run.WaitForExitAsync(RunLimit, Cancel);
        Assert.True(exit == 0, $"ClientEcho {string.Join(' ', arguments)} exited with {exit}: {run.Diagnostics()}");
        string line = Assert.Single(run.StdoutLines, l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        return line["RESULT ".Length..].Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
    }

    /// <summary>ClientEcho.dll where its own build put it (the project reference builds it; its runtimeconfig is there).</summary>
    private static string Assembly()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(PeerEnvironment.RepositoryRoot, "bench", "client", "ClientEcho", "bin", here.Parent!.Name, here.Name, "ClientEcho.dll");
        Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"the built client bench is not at {path}");
        return path;
    }
}
