using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Ws101.Handshake;
using Ws101.Client;

namespace Ws101;

/// <summary>How <see cref="WebSocketClient"/> connects. Every default is safe.</summary>
public sealed record WebSocketClientOptions
{
    /// <summary>Subprotocols, extensions, Origin and extra headers of the upgrade request (the properties below set it).</summary>
    internal ClientHandshakeOptions Handshake { get; init; } = new();

    /// <summary>Subprotocols to offer, in order of preference (each a token); the server picks one or none.</summary>
    public IReadOnlyList<string> Subprotocols
    {
        get => Handshake.Subprotocols;
        init => Handshake = Handshake with { Subprotocols = value };
    }

    /// <summary>The Origin to send, as browsers do (<c>https://example.com</c>); null (the default) sends none.</summary>
    public string? Origin
    {
        get => Handshake.Origin;
        init => Handshake = Handshake with { Origin = value };
    }

    /// <summary>More request headers (Authorization, Cookie, User-Agent); the handshake's own headers cannot be set here.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers
    {
        get => Handshake.Headers;
        init => Handshake = Handshake with { Headers = value };
    }

    /// <summary>The longest the TCP connection may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the TLS handshake and the upgrade may take once connected. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limits on the response head.</summary>
    internal HttpParseLimits ResponseLimits { get; init; } = HttpParseLimits.Default;

    /// <summary>Limits and timers of the connection once open (the properties below set it).</summary>
    internal WebSocketConnectionOptions Connection { get; init; } = WebSocketConnectionOptions.Default;

    /// <summary>
    /// The largest message accepted, and so the largest frame: beyond it the connection fails with 1009
    /// (<see cref="CloseCode.MessageTooBig"/>), a frame as soon as its header announces more. Default 1 MiB: under
    /// <see cref="ReceiveMode.WholeMessages"/> a message is reassembled in memory, so this is the worst-case buffer per
    /// connection (it grows only to the largest message actually received). Raise it for bulk transfers; under
    /// <see cref="ReceiveMode.Streaming"/> nothing is buffered and it may go up to <see cref="long.MaxValue"/>.
    /// </summary>
    public long MaxMessageSize
    {
        get => Connection.Protocol.MaxMessageSize;
        init => Connection = Connection with { Protocol = Connection.Protocol.WithMaxSize(value) };
    }

    /// <summary>Whether messages are delivered whole (the default) or streamed in parts as they arrive.</summary>
    public ReceiveMode ReceiveMode
    {
        get => Connection.Protocol.ReceiveMode;
        init => Connection = Connection with { Protocol = Connection.Protocol.WithReceiveMode(value) };
    }

    /// <summary>
    /// permessage-deflate (RFC 7692): null (the default) turns it off; an instance turns it on (a server accepts a
    /// client's offer, a client makes one). See <see cref="PerMessageDeflateOptions"/> for the memory it costs per connection.
    /// </summary>
    public PerMessageDeflateOptions? Compression
    {
        get => Connection.Compression;
        init => Connection = Connection with { Compression = value };
    }

    /// <summary>
    /// After this long without receiving anything, a ping is sent to see whether the peer is alive. Default 30 s
    /// (under the idle timeouts of common proxies and NATs); <see cref="TimeSpan.Zero"/> turns keepalive off. Pongs are
    /// read by the receive loop, so keep one running (<see cref="WebSocketConnection.ReceiveAsync"/>).
    /// </summary>
    public TimeSpan KeepAliveInterval
    {
        get => Connection.KeepAliveInterval;
        init => Connection = Connection with { KeepAliveInterval = value };
    }

    /// <summary>How long to wait for anything after a keepalive ping before the peer is taken for dead (the application sees 1006). Default 30 s.</summary>
    public TimeSpan KeepAliveTimeout
    {
        get => Connection.KeepAliveTimeout;
        init => Connection = Connection with { KeepAliveTimeout = value };
    }

    /// <summary>The longest a single send may wait for the peer to read; a peer that reads nothing for this long is dropped. Default 30 s.</summary>
    public TimeSpan SendTimeout
    {
        get => Connection.SendTimeout;
        init => Connection = Connection with { SendTimeout = value };
    }

    /// <summary>How long the closing handshake may take before the connection is dropped. Default 5 s.</summary>
    public TimeSpan CloseTimeout
    {
        get => Connection.CloseTimeout;
        init => Connection = Connection with { CloseTimeout = value };
    }

    /// <summary>
    /// A certificate to trust for wss:// besides those the system trusts (a self-signed test certificate).
    /// The server's certificate must be this exact one; the host name is still checked against it.
    /// </summary>
    public X509Certificate2? TrustedCertificate { get; init; }

    /// <summary>
    /// An HTTP proxy to tunnel through with CONNECT (<c>http://proxy:3128</c>), for ws:// and wss:// alike. Null
    /// connects directly unless <see cref="UseSystemProxy"/> is set.
    /// </summary>
    public Uri? Proxy { get; init; }

    /// <summary>Basic credentials for the proxy, if it asks for them.</summary>
    public System.Net.NetworkCredential? ProxyCredentials { get; init; }

    /// <summary>
    /// Use the system's proxy settings (the <c>HTTPS_PROXY</c>/<c>HTTP_PROXY</c>/<c>NO_PROXY</c> environment
    /// variables on Linux) when <see cref="Proxy"/> is not set. Default false: connect directly.
    /// </summary>
    public bool UseSystemProxy { get; init; }

    /// <summary>
    /// Which HTTP version opens the WebSocket: <see cref="WebSocketHttpVersion.Http11"/> (the default), HTTP/2 only, or
    /// HTTP/2 with a fall back to HTTP/1.1. Over HTTP/2 the WebSocket is a stream of an HTTP/2 connection that
    /// <c>SocketsHttpHandler</c> keeps and shares between the WebSockets to one origin (docs/http2.md); the messages,
    /// options and timeouts are the same either way, and <see cref="WebSocketHandshakeInfo.HttpVersion"/> says which was used.
    /// </summary>
    public WebSocketHttpVersion HttpVersion { get; init; } = WebSocketHttpVersion.Http11;

    /// <summary>A validation callback that replaces the system's check entirely (use with care).</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>
    /// Run the connection on one of Ws101's event loops instead of .NET's sockets, as the server's connections do: the
    /// socket is watched by a Ws101 loop thread (one per processor, shared by every client connection that asks for it),
    /// and a receive that has to wait completes on that thread, where the code after your <c>await</c> then runs, with
    /// no hand-off to the thread pool. Measured, a small message then costs the client process a third of what it
    /// costs on .NET's sockets, and a connection opened and closed half (docs/performance.md, "The client"). The price
    /// is the server's rule for handlers: code that continues from a receive must not block (no <c>.Result</c>,
    /// <c>Wait()</c> or <c>Thread.Sleep</c>; move blocking work to <c>Task.Run</c>), or every connection on that loop
    /// waits. Default false. Applies on Linux (x64), to HTTP/1.1 connections without a proxy; elsewhere the connection
    /// uses .NET's sockets as if this were false.
    /// </summary>
    public bool UseEventLoop { get; init; }
}
