using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Ws101.Handshake;

namespace Ws101.Client;

/// <summary>How <see cref="WebSocketClient"/> connects. Every default is safe.</summary>
public sealed record WebSocketClientOptions
{
    /// <summary>Subprotocols, extensions, Origin and extra headers of the upgrade request.</summary>
    public ClientHandshakeOptions Handshake { get; init; } = new();

    /// <summary>The longest the TCP connection may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the TLS handshake and the upgrade may take once connected. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limits on the response head.</summary>
    public HttpParseLimits ResponseLimits { get; init; } = HttpParseLimits.Default;

    /// <summary>Limits and timers of the connection once open.</summary>
    public WebSocketConnectionOptions Connection { get; init; } = WebSocketConnectionOptions.Default;

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
}
