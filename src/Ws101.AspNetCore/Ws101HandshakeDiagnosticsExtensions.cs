using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ws101.AspNetCore;

/// <summary>Ws101's handshake diagnosis for ASP.NET Core applications that serve WebSockets with another stack.</summary>
public static class Ws101HandshakeDiagnosticsExtensions
{
    /// <summary>
    /// Diagnoses every attempted WebSocket upgrade (a request with <c>Upgrade: websocket</c> or a <c>Sec-WebSocket-*</c>
    /// header, or an HTTP/2 extended CONNECT for <c>websocket</c>) with Ws101's checks. An invalid one is logged at Warning,
    /// with each problem's code, evidence and fix, and counted in the <c>ws101.server.handshakes</c> metric (the problem code as
    /// <c>error.type</c>, and <c>ws101.handshake.source</c> = <c>UseWs101HandshakeDiagnostics</c>); with
    /// <see cref="Ws101HandshakeDiagnosticsOptions.RespondToInvalidUpgrades"/> it is also answered here. Valid upgrades and
    /// ordinary requests pass through untouched. Put it before <c>UseWebSockets</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// app.UseWs101HandshakeDiagnostics();
    /// app.UseWebSockets();
    /// </code>
    /// </example>
    public static IApplicationBuilder UseWs101HandshakeDiagnostics(this IApplicationBuilder app, Ws101HandshakeDiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger(HandshakeDiagnosticsMiddleware.LoggerCategory) ?? NullLogger.Instance;
        var middleware = new HandshakeDiagnosticsMiddleware(options ?? new Ws101HandshakeDiagnosticsOptions(), logger);
        return app.Use(next => context => middleware.InvokeAsync(context, next));
    }
}
