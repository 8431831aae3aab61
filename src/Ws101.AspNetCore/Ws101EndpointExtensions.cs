using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>Serves Ws101 WebSocket endpoints inside an existing ASP.NET Core application.</summary>
public static class Ws101EndpointExtensions
{
    /// <summary>
    /// Accepts WebSocket upgrades on <paramref name="pattern"/> with Ws101: its handshake validation (refusals answered
    /// with a status, <c>Sec-WebSocket-Version</c> and a reason, and logged with their problem codes), its protocol
    /// core, limits and keepalive, and the same handler API as <see cref="WebSocketServer.Map"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// app.MapWs101("/echo", async (ws, ct) =>
    /// {
    ///     await foreach (var m in ws.ReadAllAsync(ct))
    ///         await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
    /// });
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapWs101(this IEndpointRouteBuilder endpoints, string pattern,
        Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(handler);
        var route = options ?? new WebSocketRouteOptions();
        return endpoints.Map(pattern, (HttpContext context) => Ws101UpgradeHandler.HandleAsync(context, handler, route));
    }
}
