using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>Serves Ws101 WebSocket endpoints inside an existing ASP.NET Core application.</summary>
public static class Ws101EndpointExtensions
{
    /// <summary>
    /// Accepts WebSocket upgrades on <paramref name="pattern"/> with Ws101: its handshake validation (refusals answered
    /// with a status, <c>Sec-WebSocket-Version</c> and a reason, and logged with their problem codes), its protocol
    /// core, limits and keepalive, and the same handler API as <see cref="WebSocketServer.Map(string, Func{WebSocketConnection, CancellationToken, Task}, WebSocketRouteOptions?)"/>.
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
        return MapUpgrade(endpoints, pattern, handler, options ?? new WebSocketRouteOptions(), WebSocketConnectionOptions.Default);
    }

    /// <summary>
    /// Serves every route registered with <see cref="Ws101ServiceCollectionExtensions.AddWs101Server(IServiceCollection, Action{Ws101HostingOptions})"/>
    /// through ASP.NET Core as well, as <see cref="MapWs101"/> would: the same handlers and route options (subprotocols,
    /// <c>OnUpgrade</c>, permessage-deflate), and for routes without connection options the hosting options'
    /// <see cref="Ws101HostingOptions.MaxMessageSize"/> and <see cref="Ws101HostingOptions.KeepAliveInterval"/>. So the
    /// routes answer HTTP/1.1 upgrades and HTTP/2 extended CONNECTs (RFC 8441) on Kestrel's endpoints, besides the
    /// hosted server's own port. Conventions added to the result (authorization, CORS) apply to every route.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>AddWs101Server</c> was not called, or registered no route.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddWs101Server(builder.Configuration.GetSection("Ws101"), ws101 => ws101.Map("/echo", EchoAsync));
    /// var app = builder.Build();
    /// app.MapWs101Routes();
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapWs101Routes(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<Ws101HostedService>() is null)
        {
            throw new InvalidOperationException(
                "MapWs101Routes serves the routes registered with AddWs101Server, and AddWs101Server was not called: call builder.Services.AddWs101Server(...) first, or map an endpoint with MapWs101.");
        }
        var settings = endpoints.ServiceProvider.GetRequiredService<IOptions<Ws101HostingOptions>>().Value;
        if (settings.Routes.Count == 0)
        {
            throw new InvalidOperationException("AddWs101Server registered no route for MapWs101Routes to serve: add them with Ws101HostingOptions.Map.");
        }
        var defaults = settings.ToConnectionOptions();
        // A group with no prefix: its conventions reach every route mapped in it.
        var group = endpoints.MapGroup("");
        foreach (var (path, handler, options) in settings.Routes)
        {
            MapUpgrade(group, path, handler, options ?? new WebSocketRouteOptions(), defaults);
        }
        return group;
    }

    private static IEndpointConventionBuilder MapUpgrade(IEndpointRouteBuilder endpoints, string pattern,
        Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions route, WebSocketConnectionOptions defaults) =>
        endpoints.Map(pattern, (HttpContext context) => Ws101UpgradeHandler.HandleAsync(context, handler, route, defaults));
}
