using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;

namespace Ws101.AspNetCore;

/// <summary>
/// The middleware behind <see cref="Ws101HandshakeDiagnosticsExtensions.UseWs101HandshakeDiagnostics"/>: ASP.NET Core's own
/// <c>UseWebSockets</c> lets a malformed upgrade fall through silently to whatever answers next; this says why it failed.
/// </summary>
internal sealed class HandshakeDiagnosticsMiddleware(Ws101HandshakeDiagnosticsOptions options, ILogger logger)
{
    public const string LoggerCategory = "Ws101.AspNetCore.HandshakeDiagnostics";

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (Check(context.Request, context.Features) is not { Count: > 0 } problems)
        {
            return next(context);
        }
        if (logger.IsEnabled(LogLevel.Warning))
        {
            AspNetCoreLog.InvalidUpgrade(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                string.Join(", ", problems.Select(p => p.Id)), string.Join(" | ", problems));
        }
        Ws101Metrics.InvalidUpgradeSeen(problems[0].Id, HttpProtocol.IsHttp2(context.Request.Protocol) ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11);
        // Answered as MapWs101 answers a refusal: the status, Sec-WebSocket-Version, and the reasons in plain text.
        return options.RespondToInvalidUpgrades ? Ws101UpgradeHandler.RefuseAsync(context, HandshakeRejection.For(problems)) : next(context);
    }

    /// <summary>The problems of an attempted WebSocket upgrade; null for a request that attempts none, or an empty list for a valid one.</summary>
    internal static IReadOnlyList<HandshakeProblem>? Check(HttpRequest request, IFeatureCollection features)
    {
        var headers = request.Headers;
        // RFC 8441 §4: over HTTP/2 an upgrade is an extended CONNECT with :protocol websocket, and needs only version 13 of the
        // HTTP/1.1 headers (§5: no Upgrade, Connection or key).
        if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            if (!string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            string version = headers["Sec-WebSocket-Version"].ToString();
            return version == ServerHandshake.SupportedVersion ? [] :
            [
                version.Length == 0
                    ? new HandshakeProblem(HandshakeProblemCode.MissingVersion, KnownHeaderNames.SecWebSocketVersion, ServerHandshake.SupportedVersion, "no Sec-WebSocket-Version header")
                    : new HandshakeProblem(HandshakeProblemCode.UnsupportedVersion, KnownHeaderNames.SecWebSocketVersion, ServerHandshake.SupportedVersion, version),
            ];
        }
        bool attempted = headers.Upgrade.Any(v => v is not null && HttpTokenList.Split(v).Any(t => t.Equals("websocket", StringComparison.OrdinalIgnoreCase)))
            || headers.Keys.Any(k => k.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase));
        if (!attempted)
        {
            return null;
        }
        return ServerHandshake.Validate(AspNetCoreRequestHead.From(request)).Problems;
    }
}
