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
        var remote = context.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, context.Connection.RemotePort) : null;
        var local = context.Connection.LocalIpAddress is { } lip ? new System.Net.IPEndPoint(lip, context.Connection.LocalPort) : null;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        // The same sequence as WebSocketServer's (validate, decide, subprotocol, permessage-deflate); Kestrel writes the
        // status line, so the 101 travels as the result's header pairs instead of bytes.
        var head = AspNetCoreRequestHead.From(context.Request);
        // Internal: the host's own request span is the server span, and this one sits under it.
        var span = ServerUpgradeLog.Start(head.Method, head.Path, head.Version, remote, System.Diagnostics.ActivityKind.Internal);
        var result = ServerUpgrade.Run(head, route, WebSocketConnectionOptions.Default, response: null,
            upgradable: upgrade is { IsUpgradableRequest: true }, reportDeclined: logger.IsEnabled(LogLevel.Debug));
        ServerUpgradeLog.Decided(logger, remote, result);
        if (!result.IsAccepted)
        {
            ServerUpgradeLog.Refused(logger, remote, result.Rejection, span);
            await RefuseAsync(context, result.Rejection).ConfigureAwait(false);
            return;
        }
        var headers = context.Response.Headers;
        foreach (var (name, value) in result.ResponseHeaders)
        {
            headers.Append(name, value);
        }
        // Kestrel writes "101 Switching Protocols" with these headers and hands over the raw stream.
        Stream stream;
        try
        {
            stream = await upgrade!.UpgradeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            span?.Dispose();
            throw;
        }
        ServerUpgradeLog.Accepted(logger, remote, result, span);
        var connection = WebSocketConnection.FromUpgradedStream(stream, result.Info, result.Options, result.Deflate, remote, local);
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
        }
    }

    internal static async Task RefuseAsync(HttpContext context, HandshakeRejection rejection)
    {
        context.Response.StatusCode = rejection.StatusCode;
        foreach (var (name, value) in rejection.Headers)
        {
            if (!string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase))
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
