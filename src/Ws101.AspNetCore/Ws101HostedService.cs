using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>Runs a <see cref="WebSocketServer"/> for the host's lifetime: started with the host, stopped with 1001 to every connection when the host stops.</summary>
internal sealed class Ws101HostedService(IOptions<Ws101HostingOptions> options, ILoggerFactory? loggerFactory = null) : IHostedService, IAsyncDisposable
{
    private WebSocketServer? _server;

    public WebSocketServer Server => _server ?? throw new InvalidOperationException("The Ws101 server has not started yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var server = new WebSocketServer(settings.ToServerOptions(loggerFactory));
        foreach (var (path, handler, routeOptions) in settings.Routes)
        {
            server.Map(path, handler, routeOptions);
        }
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        _server = server;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's shutdown token bounds the wait: closes with 1001, then drops whoever is left when it fires.
        if (_server is { } server)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
