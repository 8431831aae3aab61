using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Server;

namespace Ws101.Interop.Playground;

/// <summary>
/// <c>ws101 serve</c> in the test process, built by <c>ServeCommand.Build</c> exactly as the command builds it,
/// on 127.0.0.1 and a port the OS picks. Its log goes to a string, shown when a test fails.
/// </summary>
internal sealed class PlaygroundServer : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly StringWriter _log;

    private PlaygroundServer(WebSocketServer server, StringWriter log, Uri baseUrl)
    {
        _server = server;
        _log = log;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUrl { get; }

    /// <summary>What the server logged so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<PlaygroundServer> StartAsync()
    {
        var log = new StringWriter();
        var console = new CliConsole(TextWriter.Synchronized(log), TextWriter.Synchronized(log), TextReader.Null);
        var settings = new ServeCommand.Settings("127.0.0.1", 0, null, null, null, 1024 * 1024, [], Quiet: false, Verbose: false);
        var server = ServeCommand.Build(console, settings);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StartAsync(timeout.Token).ConfigureAwait(false);
        int port = server.EndPoints[0].Port;
        return new PlaygroundServer(server, log, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        // Stopping is bounded by the server's ShutdownTimeout and by this token; disposing after it does not stop twice.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _server.StopAsync(timeout.Token).ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
