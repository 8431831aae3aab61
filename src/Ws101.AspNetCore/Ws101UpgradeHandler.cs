using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>
/// Runs Ws101's server handshake over an ASP.NET Core request, then the connection over the stream Kestrel hands over:
/// an HTTP/1.1 upgrade (RFC 6455, <see cref="IHttpUpgradeFeature"/>) or an HTTP/2 extended CONNECT (RFC 8441,
/// <see cref="IHttpExtendedConnectFeature"/>), through the same upgrade sequence.
/// </summary>
internal static class Ws101UpgradeHandler
{
    /// <param name="context">The request.</param>
    /// <param name="handler">The application's handler for an accepted connection.</param>
    /// <param name="route">The route's options.</param>
    /// <param name="defaults">The connection options when the route sets none: the library's for MapWs101, the hosting
    /// options' for the routes of AddWs101Server.</param>
    public static async Task HandleAsync(HttpContext context, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions route,
        WebSocketConnectionOptions defaults)
    {
        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Ws101.AspNetCore") ?? NullLogger.Instance;
        var remote = context.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, context.Connection.RemotePort) : null;
        var local = context.Connection.LocalIpAddress is { } lip ? new System.Net.IPEndPoint(lip, context.Connection.LocalPort) : null;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        // Kestrel advertises SETTINGS_ENABLE_CONNECT_PROTOCOL on every HTTP/2 connection (.NET 7 and later) and presents an
        // extended CONNECT through IHttpExtendedConnectFeature; its :protocol is the feature's Protocol.
        bool http2 = HttpProtocol.IsHttp2(context.Request.Protocol);
        var head = http2 ? ToHttp2Head(context.Request, connect) : AspNetCoreRequestHead.From(context.Request);
        bool upgradable = http2 ? connect is { IsExtendedConnect: true } : upgrade is { IsUpgradableRequest: true };
        // The same sequence as WebSocketServer's (validate, decide, subprotocol, permessage-deflate); Kestrel writes the
        // status line (101, or over HTTP/2 the 200), so the answer travels as the result's header pairs instead of bytes.
        // Internal: the host's own request span is the server span, and this one sits under it.
        var span = ServerUpgradeLog.Start(head.Method, head.Path, head.Version, remote, System.Diagnostics.ActivityKind.Internal);
        var result = ServerUpgrade.Run(head, route, defaults, response: null,
            upgradable: upgradable, reportDeclined: logger.IsEnabled(LogLevel.Debug));
        ServerUpgradeLog.Decided(logger, remote, result);
        if (!result.IsAccepted)
        {
            ServerUpgradeLog.Refused(logger, remote, result.Rejection, head.Version, span);
            await RefuseAsync(context, result.Rejection, http2).ConfigureAwait(false);
            return;
        }
        var headers = context.Response.Headers;
        foreach (var (name, value) in result.ResponseHeaders)
        {
            headers.Append(name, value);
        }
        Stream stream;
        try
        {
            if (http2)
            {
                // The tunnel carries the WebSocket for as long as it lives: no request-body size limit applies to it (HTTP/1.1's
                // upgrade lifts it by itself).
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
                {
                    bodySize.MaxRequestBodySize = null;
                }
                // Kestrel answers :status 200 with these fields and hands over the stream (RFC 8441 §5).
                stream = await connect!.AcceptAsync().ConfigureAwait(false);
            }
            else
            {
                // Kestrel writes "101 Switching Protocols" with these headers and hands over the raw stream.
                stream = await upgrade!.UpgradeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            span?.Dispose();
            throw;
        }
        // A request timeout (the RequestTimeouts middleware) would cut the WebSocket; the connection's own deadlines apply now.
        context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>()?.DisableTimeout();
        ServerUpgradeLog.Accepted(logger, remote, result, head.Version, span);
        var connection = UpgradedStreamConnection.Open(stream, result.Info, result.Options, result.Deflate, remote, local);
        // Counted as WebSocketServer counts its sessions, so that ws101.server.active_connections and the duration histogram
        // read the same behind Kestrel.
        Ws101Metrics.ActiveConnections.Add(1);
        long opened = System.Diagnostics.Stopwatch.GetTimestamp();
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await handler(connection, context.RequestAborted).ConfigureAwait(false);
                if (connection.State == ConnectionState.Open)
                {
                    await connection.CloseAsync(CloseCode.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketClosedException or OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                AspNetCoreLog.HandlerFailed(logger, ex, result.Request.Path);
                try
                {
                    await connection.CloseAsync(CloseCode.InternalServerError, "The server's handler failed.", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception closeError) when (closeError is WebSocketClosedException or IOException or ObjectDisposedException)
                {
                }
            }
            finally
            {
                Ws101Metrics.ActiveConnections.Add(-1);
                Ws101Metrics.ConnectionDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(opened).TotalSeconds);
            }
        }
    }

    /// <summary>
    /// An HTTP/2 request as the head RFC 8441's checks read: the pseudo-header fields Kestrel parsed (:method, :protocol from
    /// the extended CONNECT feature, :scheme, :authority, :path), then the regular fields.
    /// </summary>
    private static HttpRequestHead ToHttp2Head(HttpRequest request, IHttpExtendedConnectFeature? connect)
    {
        string target = (request.PathBase + request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        string? protocol = connect is { IsExtendedConnect: true } ? connect.Protocol : null;
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                fields.Add(new(name, value ?? ""));
            }
        }
        return ExtendedConnect.CreateRequestHead(request.Method, protocol, request.Scheme, request.Host.Value,
            string.IsNullOrEmpty(target) ? "/" : target, fields);
    }

    internal static async Task RefuseAsync(HttpContext context, HandshakeRejection rejection, bool http2 = false)
    {
        context.Response.StatusCode = rejection.StatusCode;
        foreach (var (name, value) in rejection.Headers)
        {
            // RFC 9113 §8.2.2: no connection-specific field (Upgrade) in an HTTP/2 message.
            if (!string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase)
                && !(http2 && string.Equals(name, "Upgrade", StringComparison.OrdinalIgnoreCase)))
            {
                context.Response.Headers.Append(name, value);
            }
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        // The same framing as WebSocketServer's refusal: a Content-Length rather than chunks.
        byte[] body = Encoding.UTF8.GetBytes(rejection.Body);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
