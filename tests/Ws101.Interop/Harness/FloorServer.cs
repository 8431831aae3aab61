using System.Globalization;

namespace Ws101.Interop.Harness;

/// <summary>
/// bench/server/floor.c compiled (as the bench compiles it) and running on a port the OS picks: the minimal C echo the
/// server bench measures beside the servers and the client bench measures the clients against.
/// </summary>
public sealed class FloorServer : IAsyncDisposable
{
    private const string Listening = "floor: listening on 127.0.0.1:";
    private readonly PeerProcess _process;
    private readonly TempFolder _folder;

    private FloorServer(PeerProcess process, TempFolder folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Compiles and starts the floor; it is killed after <paramref name="lifetime"/> at the latest.</summary>
    public static async Task<FloorServer> StartAsync(TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var folder = new TempFolder("ws101-floor-");
        try
        {
            string binary = folder.PathOf("floor");
            await BenchCProgram.CompileAsync("bench/server/floor.c", binary, cancellationToken, "-lcrypto");
            var process = PeerProcess.Start("floor", binary, ["0"], lifetime);
            string line = await process.WaitForLineAsync(l => l.StartsWith(Listening, StringComparison.Ordinal), "listening", cancellationToken: cancellationToken);
            return new FloorServer(process, folder, int.Parse(line[Listening.Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Stops the floor (by its own process handle) and deletes its build.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _folder.Dispose();
    }
}
