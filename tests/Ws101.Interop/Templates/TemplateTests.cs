using System.Globalization;
using System.Text.RegularExpressions;
using Ws101.Client;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Templates;

/// <summary>
/// <c>dotnet new ws101-server</c> and <c>dotnet new ws101-aspnetcore</c> as a user meets them: the template package
/// installed from packages packed here, each template instantiated, built against those packages, run on a free port,
/// and answering our client.
/// </summary>
public sealed class TemplateTests(TemplatePackages packages) : IClassFixture<TemplatePackages>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ws101_server_builds_echoes_relays_a_topic_and_logs_its_metrics_when_stopped()
    {
        string folder = await packages.CreateAndBuildAsync("ws101-server", "MyServer");
        int port = LoopbackPort.GetFree();

        await using var app = PeerProcess.Start("MyServer", CliProgram.DotnetHost(), [Path.Combine(folder, "bin", "Release", "net10.0", "MyServer.dll"), "--port", $"{port}"]);
        await app.WaitForLineAsync(l => l.Contains($"Listening on ws://127.0.0.1:{port}/echo and ws://127.0.0.1:{port}/topic/NAME", StringComparison.Ordinal), "its listening line", cancellationToken: Cancel);

        await EchoAsync(new Uri($"ws://127.0.0.1:{port}/echo"));
        await RelayAsync(new Uri($"ws://127.0.0.1:{port}/topic/news"));
        var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/topic/"), cancellationToken: Cancel));
        Assert.Equal("not-found", refused.Problems[0].Id);

        await using (var kill = PeerProcess.Start("kill -TERM", "kill", ["-TERM", $"{app.Id}"]))
        {
            Assert.Equal(0, await kill.WaitForExitAsync(cancellationToken: Cancel));
        }
        Assert.Equal(0, await app.WaitForExitAsync(cancellationToken: Cancel));
        string metrics = app.StdoutLines.Last(l => l.Contains("Ws101 metrics:", StringComparison.Ordinal));
        Assert.Contains("ws101.server.active_connections=0", metrics, StringComparison.Ordinal);
        Assert.Contains("ws101.server.handshakes{http.response.status_code=101,network.protocol.version=1.1}=3", metrics, StringComparison.Ordinal);
        Assert.Contains("ws101.server.handshakes{error.type=rejected-by-application,http.response.status_code=404,network.protocol.version=1.1}=1", metrics, StringComparison.Ordinal);
        // One echo, then the topic's message (sent again until the listener had subscribed): at least two in all.
        Assert.True(int.Parse(Regex.Match(metrics, @"ws101\.messages\{network\.io\.direction=receive\}=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture) >= 2, metrics);
        Assert.Contains(app.StdoutLines, l => l.Contains("Refused the upgrade from 127.0.0.1:", StringComparison.Ordinal) && l.Contains("with 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ws101_aspnetcore_builds_serves_its_page_echoes_and_relays_a_topic()
    {
        string folder = await packages.CreateAndBuildAsync("ws101-aspnetcore", "MyWeb");
        int port = LoopbackPort.GetFree();

        await using var app = PeerProcess.Start("MyWeb", CliProgram.DotnetHost(), [Path.Combine(folder, "bin", "Release", "net10.0", "MyWeb.dll"), "--urls", $"http://127.0.0.1:{port}"],
            workingDirectory: folder);
        await app.WaitForLineAsync(l => l.Contains($"Now listening on: http://127.0.0.1:{port}", StringComparison.Ordinal), "its listening line", cancellationToken: Cancel);

        using var http = new HttpClient();
        Assert.Contains("MyWeb: a WebSocket echo at /echo", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"), Cancel), StringComparison.Ordinal);
        await EchoAsync(new Uri($"ws://127.0.0.1:{port}/echo"));
        await RelayAsync(new Uri($"ws://127.0.0.1:{port}/topic/news"));
    }

    private static async Task EchoAsync(Uri url)
    {
        await using var ws = await WebSocketClient.ConnectAsync(url, cancellationToken: Cancel);
        await ws.SendTextAsync("hello from the template test", Cancel);
        Assert.Equal("hello from the template test", (await ws.ReceiveAsync(Cancel)).GetText());
        await ws.CloseAsync(cancellationToken: Cancel);
    }

    private static async Task RelayAsync(Uri topic)
    {
        await using var listener = await WebSocketClient.ConnectAsync(topic, cancellationToken: Cancel);
        await using var speaker = await WebSocketClient.ConnectAsync(topic, cancellationToken: Cancel);
        // The server subscribes a connection right after its upgrade: send until the listener hears one (bounded).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(PeerTimeouts.Step);
        var heard = listener.ReceiveAsync(deadline.Token).AsTask();
        while (!heard.IsCompleted)
        {
            await speaker.SendTextAsync("news", deadline.Token);
            await Task.WhenAny(heard, Task.Delay(100, deadline.Token));
        }
        Assert.Equal("news", (await heard).GetText());
        await listener.CloseAsync(cancellationToken: Cancel);
        await speaker.CloseAsync(cancellationToken: Cancel);
    }
}
