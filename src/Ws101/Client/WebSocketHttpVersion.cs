namespace Ws101;

/// <summary>Which HTTP version <see cref="WebSocketClient"/> opens a WebSocket with.</summary>
public enum WebSocketHttpVersion
{
    /// <summary>An HTTP/1.1 upgrade on a connection of its own (RFC 6455 §4). The default: every WebSocket server speaks it.</summary>
    Http11,

    /// <summary>
    /// An extended CONNECT on an HTTP/2 stream (RFC 8441), and nothing else: over TLS with ALPN h2 for wss://, with prior
    /// knowledge (h2c) for ws://. Several WebSockets to one origin share an HTTP/2 connection. A server without HTTP/2
    /// fails with <c>http2-not-negotiated</c>, one without WebSockets over HTTP/2 with <c>extended-connect-not-supported</c>.
    /// </summary>
    Http2,

    /// <summary>
    /// HTTP/2 when the server offers WebSockets over HTTP/2, else an HTTP/1.1 upgrade on a connection of its own: what
    /// browsers do. Only those two refusals fall back; any other failure (a 404, a TLS error) is reported as it is.
    /// </summary>
    Http2OrHttp11,
}
