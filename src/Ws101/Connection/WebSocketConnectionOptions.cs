using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// Limits and timers of one connection, the same for the server's and the client's. Every default is safe on the open internet.
/// Applications set these on <see cref="WebSocketServerOptions"/>, <see cref="WebSocketClientOptions"/> and
/// <see cref="WebSocketRouteOptions"/>, which hold one of these.
/// </summary>
internal sealed record WebSocketConnectionOptions
{
    /// <summary>The defaults.</summary>
    public static WebSocketConnectionOptions Default { get; } = new();

    /// <summary>Frame and message limits, and whether messages are reassembled or streamed (see <see cref="ProtocolOptions"/>).</summary>
    public ProtocolOptions Protocol { get; init; } = ProtocolOptions.Default;

    /// <summary>
    /// Bytes read from the socket at a time. Default 16 KiB: one read takes a whole small message or a large
    /// chunk of a big one. The buffer is rented only while data is arriving; an idle connection holds none.
    /// </summary>
    public int ReceiveBufferSize { get; init; } = 16 * 1024;

    /// <summary>
    /// After this long without receiving anything, a ping is sent to see whether the peer is alive. Default
    /// 30 s: under the idle timeouts of common proxies and NATs (60 s and more). <see cref="TimeSpan.Zero"/> turns
    /// keepalive off. Pongs are read by the receive loop, so keep one running (<see cref="WebSocketConnection.ReceiveAsync"/>).
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long to wait for anything after a keepalive ping before the peer is taken for dead and the connection
    /// dropped (the application sees 1006). Default 30 s.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a single send may wait for the peer to read (the backpressure bound in time). A peer that
    /// reads nothing for this long is dropped, so a stuck reader cannot pin the server's memory. Default 30 s.
    /// </summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the closing handshake may take before the connection is dropped. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// permessage-deflate (RFC 7692): null (the default) turns it off; an instance turns it on, for the server's routes
    /// (accepting a client's offer) or for the client (making an offer). See <see cref="PerMessageDeflateOptions"/>
    /// for the memory it costs per connection.
    /// </summary>
    public PerMessageDeflateOptions? Compression { get; init; }

    internal void Validate()
    {
        Protocol.Validate();
        Compression?.Validate();
        if (ReceiveBufferSize is < 256 or > 16 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, "The receive buffer is between 256 bytes and 16 MiB.");
        }
        if (KeepAliveInterval < TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero || SendTimeout <= TimeSpan.Zero || CloseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), "Timeouts are positive (KeepAliveInterval may be zero to turn keepalive off).");
        }
    }
}
