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

/// <summary>Runs Ws101's server handshake over an ASP.NET Core request, then the connection over the upgraded stream.</summary>
internal static class Ws101UpgradeHandler
{
    public static async Task HandleAsync(HttpContext context, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions route)
    {
        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Ws101.AspNetCore") ?? NullLogger.Instance;
        var head = ToHead(context.Request);
        var verdict = ServerHandshake.Validate(head);
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (!verdict.IsValid)
        {
            await RefuseAsync(context, verdict.Rejection!, logger).ConfigureAwait(false);
            return;
        }
        var request = verdict.Request!;
        if (upgrade is not { IsUpgradableRequest: true })
        {
            // HTTP/2 and HTTP/3 requests reach here without the HTTP/1.1 upgrade mechanism (RFC 8441 is not served here).
            await RefuseAsync(context, HandshakeRejection.ByApplication(400, "This endpoint upgrades HTTP/1.1 requests only."), logger).ConfigureAwait(false);
            return;
        }
        var decision = route.OnUpgrade?.Invoke(request) ?? UpgradeDecision.Accept();
        if (!decision.IsAccepted)
        {
            await RefuseAsync(context, decision.Rejection!, logger).ConfigureAwait(false);
            return;
        }
        string? subprotocol = decision.Subprotocol ?? route.ChooseSubprotocol(request.Subprotocols);
        var headers = context.Response.Headers;
        headers.Upgrade = "websocket";
        headers.Connection = "Upgrade";
        headers["Sec-WebSocket-Accept"] = WebSocketAccept.Compute(request.Key);
        if (subprotocol is not null)
        {
            headers["Sec-WebSocket-Protocol"] = subprotocol;
        }
        foreach (var (name, value) in decision.Headers)
        {
            headers.Append(name, value);
        }
        // Kestrel writes "101 Switching Protocols" with these headers and hands over the raw stream.
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        var remote = context.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, context.Connection.RemotePort) : null;
        var local = context.Connection.LocalIpAddress is { } lip ? new System.Net.IPEndPoint(lip, context.Connection.LocalPort) : null;
        var connection = WebSocketConnection.FromUpgradedStream(stream, request, subprotocol, route.Connection, remote, local);
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
                logger.LogError(ex, "The handler for {Path} failed; closing with 1011", request.Path);
                try
                {
                    await connection.CloseAsync(CloseCode.InternalServerError, "The server's handler failed.", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception closeError) when (closeError is WebSocketClosedException or IOException or ObjectDisposedException)
                {
                }
            }
        }
    }

    private static HttpRequestHead ToHead(HttpRequest request)
    {
        var fields = new List<HttpHeaderField>();
        int line = 2;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                fields.Add(new HttpHeaderField(name, value ?? "", line++));
            }
        }
        var version = request.Protocol switch
        {
            "HTTP/1.0" => new Version(1, 0),
            "HTTP/2" or "HTTP/2.0" => new Version(2, 0),
            "HTTP/3" or "HTTP/3.0" => new Version(3, 0),
            _ => new Version(1, 1),
        };
        string target = (request.PathBase + request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        return HttpRequestHead.Create(request.Method, string.IsNullOrEmpty(target) ? "/" : target, version, fields);
    }

    private static async Task RefuseAsync(HttpContext context, HandshakeRejection rejection, ILogger logger)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Refused the upgrade from {Remote} with {Status}: {Problems}", context.Connection.RemoteIpAddress, rejection.StatusCode,
                string.Join("; ", rejection.Problems.Select(p => p.Actual is null ? p.Id : $"{p.Id} ({p.Actual})")));
        }
        foreach (var p in rejection.Problems)
        {
            Ws101.Diagnostics.Ws101Metrics.Rejected(p.Id);
        }
        context.Response.StatusCode = rejection.StatusCode;
        foreach (var (name, value) in rejection.Headers)
        {
            if (!string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.Append(name, value);
            }
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(rejection.Body, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }
}
