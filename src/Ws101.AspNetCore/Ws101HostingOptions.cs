using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>
/// Settings of a Ws101 server run by the host, bindable from configuration (for example the <c>Ws101</c> section of
/// appsettings.json); routes are added in code with <see cref="Map"/>. Every default is the library's. The routes can
/// also be served through ASP.NET Core (HTTP/1.1 and HTTP/2) with
/// <see cref="Ws101EndpointExtensions.MapWs101Routes"/>, where <see cref="MaxMessageSize"/> and
/// <see cref="KeepAliveInterval"/> apply as well.
/// </summary>
public sealed class Ws101HostingOptions
{
    private readonly List<(string Path, Func<WebSocketConnection, CancellationToken, Task> Handler, WebSocketRouteOptions? Options)> _routes = [];

    /// <summary>The address to listen on: an IP address, or <c>localhost</c>. Default 127.0.0.1.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one. Default 8080.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>See <see cref="WebSocketServerOptions.HandshakeTimeout"/>. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest message accepted (and frame); larger ones are refused with 1009. Default 1 MiB.</summary>
    public long MaxMessageSize { get; set; } = Protocol.ProtocolOptions.DefaultMaxSize;

    /// <summary>See <see cref="WebSocketConnectionOptions.KeepAliveInterval"/>. Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>See <see cref="WebSocketServerOptions.MaxConnections"/>. Default 100,000.</summary>
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>See <see cref="WebSocketServerOptions.Transport"/>. Default Auto.</summary>
    public ServerTransport Transport { get; set; } = ServerTransport.Auto;

    /// <summary>Adds a WebSocket endpoint.</summary>
    public Ws101HostingOptions Map(string path, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions? options = null)
    {
        _routes.Add((path, handler, options));
        return this;
    }

    internal IReadOnlyList<(string Path, Func<WebSocketConnection, CancellationToken, Task> Handler, WebSocketRouteOptions? Options)> Routes => _routes;

    internal WebSocketServerOptions ToServerOptions(Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory)
    {
        var address = Host == "localhost" ? System.Net.IPAddress.Loopback
            : System.Net.IPAddress.TryParse(Host.Trim('[', ']'), out var parsed) ? parsed
            : throw new InvalidOperationException($"Ws101 Host '{Host}' is not an IP address or localhost.");
        return new WebSocketServerOptions
        {
            EndPoints = [new System.Net.IPEndPoint(address, Port)],
            HandshakeTimeout = HandshakeTimeout,
            MaxConnections = MaxConnections,
            Transport = Transport,
            LoggerFactory = loggerFactory,
            Connection = ToConnectionOptions(),
        };
    }

    /// <summary>The connection options of every route that sets none, on the socket server and through MapWs101Routes alike.</summary>
    internal WebSocketConnectionOptions ToConnectionOptions() => new()
    {
        KeepAliveInterval = KeepAliveInterval,
        Protocol = new Protocol.ProtocolOptions { MaxMessageSize = MaxMessageSize, MaxFrameSize = MaxMessageSize },
    };
}
