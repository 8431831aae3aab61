using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Server;

namespace Ws101.Tests.Cli;

/// <summary><c>ws101 serve</c> as <see cref="ServeCommand.Build"/> builds it, on 127.0.0.1 and a free port, for one test class.</summary>
public sealed class PlaygroundServerFixture : IAsyncLifetime
{
    private WebSocketServer? _server;

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A client for <see cref="BaseUrl"/>, with a bounded timeout.</summary>
    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async ValueTask InitializeAsync()
    {
        var console = new CliConsole(TextWriter.Null, TextWriter.Null, TextReader.Null);
        _server = ServeCommand.Build(console, new ServeCommand.Settings("127.0.0.1", 0, null, null, null, 1024 * 1024, [], Quiet: true, Verbose: false));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _server.StartAsync(timeout.Token);
        BaseUrl = new Uri($"http://127.0.0.1:{_server.EndPoints[0].Port}/");
        Client.BaseAddress = BaseUrl;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
