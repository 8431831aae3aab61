using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;
using Ws101.Cli.Commands;
using Ws101.Cli.Playground;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Server;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>ws101 serve --http2</c>: the same endpoints and playground on ASP.NET Core's Kestrel, with HTTP/1.1 and HTTP/2 over
/// TLS (ALPN), so that a browser's WebSocket opens as an HTTP/2 stream (RFC 8441) through <c>MapWs101</c> — Ws101 has no
/// HTTP/2 engine of its own. HTTP/1.1 upgrades keep working on the same port.
/// </summary>
internal static class KestrelServe
{
    public static async Task<int> RunAsync(CliConsole console, ServeCommand.Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Cert is null)
        {
            console.Error.WriteLine("error: --http2 needs --cert (and --key for a PEM pair): browsers speak HTTP/2 over TLS only.");
            return ExitCodes.UsageError;
        }
        var open = new ConcurrentDictionary<WebSocketConnection, byte>();
        WebApplication app;
        WebSocketTopics topics;
        try
        {
            app = Build(console, settings, open, out topics);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageError;
        }
        await using (topics.ConfigureAwait(false))
        await using (app.ConfigureAwait(false))
        {
            // The exporter listens on a port of its own, so it is the same with Kestrel as with WebSocketServer; the Ws101 meter
            // counts MapWs101's handshakes and connections as it counts the server's.
            using var meterProvider = settings.Metrics ? MetricsEndpoint.Start(settings.Host, settings.MetricsPort) : null;
            try
            {
                await topics.StartAsync(cancellationToken).ConfigureAwait(false);
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // Kestrel reports an address in use as an IOException.
                console.Error.WriteLine($"error: cannot listen on {settings.Host}:{settings.Port}: {ex.Message}");
                return ExitCodes.UsageError;
            }
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                var uri = new Uri(address);
                string origin = $"{uri.Host}:{uri.Port}";
                console.Out.WriteLine($"ws101 serve: wss://{origin}/echo  wss://{origin}/chat  wss://{origin}/topic/NAME  playground https://{origin}/  (HTTP/1.1 and HTTP/2)");
            }
            if (settings.Metrics)
            {
                console.Out.WriteLine($"Metrics (Prometheus): {MetricsEndpoint.Url(settings.Host, settings.MetricsPort)}");
            }
            if (settings.Redis is not null)
            {
                console.Out.WriteLine($"Topics span every node on Redis {settings.Redis} (node {topics.NodeId}).");
            }
            await ServeCommand.WaitForStopAsync(console, cancellationToken).ConfigureAwait(false);
            console.Out.WriteLine($"Stopping: closing {open.Count} connection(s) with 1001.");
            // Kestrel would wait for the WebSocket handlers until its shutdown timeout: close them first, as WebSocketServer does.
            await Task.WhenAll(open.Keys.Select(CloseGoingAwayAsync)).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            console.Out.WriteLine("Stopped.");
        }
        return ExitCodes.Ok;
    }

    private static WebApplication Build(CliConsole console, ServeCommand.Settings settings, ConcurrentDictionary<WebSocketConnection, byte> open, out WebSocketTopics topics)
    {
        IPAddress address = ServeCommand.Address(settings);
        var certificate = CertificateFiles.Load(settings.Cert!, settings.Key, settings.Password);
        var log = new ConsoleLog(console.Out, ServeCommand.LogLevelOf(settings));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        // One console, one format: ours. Kestrel's own start-up lines are left out unless something is wrong.
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(ServeCommand.LogLevelOf(settings)).AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, settings.Port, listen =>
            {
                // ALPN offers h2 and http/1.1; Kestrel advertises SETTINGS_ENABLE_CONNECT_PROTOCOL on its HTTP/2 connections.
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        topics = ServeCommand.MapRoutes(settings, log, TopicEndpoint.Prefix + "{**name}",
            (path, handler, route, _) => app.MapWs101(path, Tracked(handler, open), route));
        // Everything else is the playground's, as WebSocketServer's HTTP fallback serves it.
        app.MapFallback("{**path}", PlaygroundAsync);
        return app;
    }

    /// <summary>Keeps each open connection in <paramref name="open"/> while its handler runs, for the 1001 on stop.</summary>
    private static Func<WebSocketConnection, CancellationToken, Task> Tracked(Func<WebSocketConnection, CancellationToken, Task> handler,
        ConcurrentDictionary<WebSocketConnection, byte> open) => async (ws, stopping) =>
    {
        open.TryAdd(ws, 0);
        try
        {
            await handler(ws, stopping).ConfigureAwait(false);
        }
        finally
        {
            open.TryRemove(ws, out _);
        }
    };

    private static async Task CloseGoingAwayAsync(WebSocketConnection ws)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ws.CloseAsync(CloseCode.GoingAway, "The server is stopping.", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketClosedException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The playground's page and API for a plain request, over either HTTP version.</summary>
    private static async Task PlaygroundAsync(HttpContext context)
    {
        var request = context.Request;
        int max = new WebSocketServerOptions().MaxHttpBodyBytes;
        HttpFallbackResponse answer;
        if (request.ContentLength > max)
        {
            answer = HttpFallbackResponse.Text(413, $"The body is larger than {max} bytes.\n");
        }
        else
        {
            // Read at most max + 1 bytes: an HTTP/2 body need not announce its length.
            var body = new byte[max + 1];
            int filled = 0;
            int n;
            while (filled < body.Length && (n = await request.Body.ReadAsync(body.AsMemory(filled), context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                filled += n;
            }
            var remote = context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort) : null;
            answer = filled > max
                ? HttpFallbackResponse.Text(413, $"The body is larger than {max} bytes.\n")
                : await PlaygroundSite.Handle(new HttpFallbackRequest(AspNetCoreRequestHead.From(request), body.AsMemory(0, filled), remote), context.RequestAborted).ConfigureAwait(false);
        }
        var response = context.Response;
        response.StatusCode = answer.StatusCode;
        response.ContentType = answer.ContentType;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers.Append(name, value);
        }
        response.ContentLength = answer.Body.Length;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(answer.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
