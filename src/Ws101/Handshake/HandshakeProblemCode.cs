using Ws101.Handshake;

namespace Ws101;

/// <summary>
/// What went wrong in an opening handshake. Each value has a stable kebab-case id (see
/// <see cref="HandshakeProblemCatalog"/>), used in logs, metrics, JSON output and the troubleshooting guide.
/// </summary>
public enum HandshakeProblemCode
{
    // ---- HTTP syntax, either side ----

    /// <summary><c>malformed-request-line</c>: the first line is not <c>METHOD SP target SP HTTP/x.y</c>.</summary>
    MalformedRequestLine,
    /// <summary><c>malformed-status-line</c>: the first line of the response is not <c>HTTP/x.y SP 3DIGIT SP reason</c>.</summary>
    MalformedStatusLine,
    /// <summary><c>malformed-header</c>: a header line is not <c>name: value</c>, or holds a forbidden byte.</summary>
    MalformedHeader,
    /// <summary><c>obsolete-line-folding</c>: a header line starts with a space or tab (obs-fold, rejected by RFC 9112 §5.2).</summary>
    ObsoleteLineFolding,
    /// <summary><c>line-too-long</c>: a line is longer than the configured limit.</summary>
    LineTooLong,
    /// <summary><c>too-many-headers</c>: more header lines than the configured limit.</summary>
    TooManyHeaders,
    /// <summary><c>head-too-large</c>: the request or response head is larger than the configured limit.</summary>
    HeadTooLarge,
    /// <summary><c>truncated-head</c>: the connection ended before the empty line that ends the head.</summary>
    TruncatedHead,

    // ---- the request, checked by the server (RFC 6455 §4.2.1) ----

    /// <summary><c>method-not-get</c>: the upgrade request's method is not GET.</summary>
    MethodNotGet,
    /// <summary><c>http-version-too-old</c>: the request or response is HTTP/1.0 (or older); WebSocket needs HTTP/1.1.</summary>
    HttpVersionTooOld,
    /// <summary><c>missing-host</c>: the request has no Host header.</summary>
    MissingHost,
    /// <summary><c>duplicate-host</c>: the request has more than one Host header.</summary>
    DuplicateHost,
    /// <summary><c>plain-http-request</c>: an ordinary HTTP request (no Upgrade, no key) reached a WebSocket endpoint.</summary>
    PlainHttpRequest,
    /// <summary><c>missing-upgrade</c>: there is no Upgrade header.</summary>
    MissingUpgrade,
    /// <summary><c>upgrade-not-websocket</c>: the Upgrade header does not name <c>websocket</c>.</summary>
    UpgradeNotWebSocket,
    /// <summary><c>connection-not-upgrade</c>: the Connection header is missing or lacks the <c>upgrade</c> token.</summary>
    ConnectionNotUpgrade,
    /// <summary><c>missing-key</c>: there is no Sec-WebSocket-Key header.</summary>
    MissingKey,
    /// <summary><c>duplicate-key</c>: Sec-WebSocket-Key appears more than once.</summary>
    DuplicateKey,
    /// <summary><c>invalid-key</c>: Sec-WebSocket-Key is not base64 of exactly 16 bytes.</summary>
    InvalidKey,
    /// <summary><c>missing-version</c>: there is no Sec-WebSocket-Version header.</summary>
    MissingVersion,
    /// <summary><c>unsupported-version</c>: Sec-WebSocket-Version is not 13.</summary>
    UnsupportedVersion,
    /// <summary><c>invalid-subprotocol-header</c>: Sec-WebSocket-Protocol is not a comma-separated list of tokens.</summary>
    InvalidSubprotocolHeader,
    /// <summary><c>invalid-extension-header</c>: Sec-WebSocket-Extensions does not follow RFC 6455 §9.1.</summary>
    InvalidExtensionHeader,
    /// <summary><c>request-has-body</c>: the upgrade request announces a body; bytes after the head would be read as frames.</summary>
    RequestHasBody,
    /// <summary><c>rejected-by-application</c>: the request was valid, and the application chose to refuse it.</summary>
    RejectedByApplication,

    // ---- the response, checked by the client (RFC 6455 §4.1) ----

    /// <summary><c>success-not-upgrade</c>: a 2xx answer instead of 101: not a WebSocket endpoint, or a proxy dropped the upgrade.</summary>
    SuccessNotUpgrade,
    /// <summary><c>redirect</c>: a 3xx answer; WebSocket clients do not follow redirects (RFC 6455 §4.1).</summary>
    Redirect,
    /// <summary><c>unauthorized</c>: 401, the endpoint wants credentials.</summary>
    Unauthorized,
    /// <summary><c>forbidden</c>: 403, often an Origin policy.</summary>
    Forbidden,
    /// <summary><c>not-found</c>: 404, no endpoint at this path.</summary>
    NotFound,
    /// <summary><c>upgrade-required</c>: 426, the server wants another Sec-WebSocket-Version.</summary>
    UpgradeRequired,
    /// <summary><c>unexpected-status</c>: any other status than 101.</summary>
    UnexpectedStatus,
    /// <summary><c>missing-accept</c>: a 101 without Sec-WebSocket-Accept.</summary>
    MissingAccept,
    /// <summary><c>duplicate-accept</c>: Sec-WebSocket-Accept appears more than once.</summary>
    DuplicateAccept,
    /// <summary><c>accept-mismatch</c>: Sec-WebSocket-Accept is not the value computed from the key sent.</summary>
    AcceptMismatch,
    /// <summary><c>unrequested-subprotocol</c>: the server chose a subprotocol the client did not offer, or several.</summary>
    UnrequestedSubprotocol,
    /// <summary><c>unrequested-extension</c>: the server accepted an extension the client did not offer.</summary>
    UnrequestedExtension,
    /// <summary>
    /// <c>invalid-extension-response</c>: the server accepted an offered extension with a response the client cannot
    /// accept: an unknown, repeated or invalid parameter, or a configuration that no offer allowed (RFC 7692 §7.1).
    /// </summary>
    InvalidExtensionResponse,

    // ---- WebSockets over HTTP/2 (RFC 8441): what only an extended CONNECT can get wrong ----

    /// <summary>
    /// <c>extended-connect-not-supported</c>: the server (or a proxy in front of it) speaks HTTP/2 but did not send
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so no WebSocket may be opened as an HTTP/2 stream there; HTTP/1.1 may work.
    /// </summary>
    ExtendedConnectNotSupported,
    /// <summary><c>http2-not-negotiated</c>: the server did not agree to HTTP/2 at all (TLS ALPN chose http/1.1, or h2c was refused).</summary>
    Http2NotNegotiated,
    /// <summary>
    /// <c>upgrade-headers-in-http2</c>: an HTTP/2 handshake carries HTTP/1.1 upgrade fields (Sec-WebSocket-Accept, Upgrade,
    /// Connection), which RFC 8441 replaced with :protocol and HTTP/2 forbids or ignores.
    /// </summary>
    UpgradeHeadersInHttp2,
    /// <summary>
    /// <c>connect-response-has-content</c>: a 2xx answer to the extended CONNECT that carries content (Content-Length,
    /// Content-Type, Transfer-Encoding): an ordinary handler answered, not a WebSocket endpoint.
    /// </summary>
    ConnectResponseHasContent,

    // ---- the connection itself, seen by the client ----

    /// <summary><c>connection-failed</c>: the TCP connection could not be made (refused, unreachable, name not found).</summary>
    ConnectionFailed,
    /// <summary><c>tls-failed</c>: the TLS handshake of a wss:// connection failed.</summary>
    TlsFailed,
    /// <summary><c>handshake-timeout</c>: the peer did not complete the handshake in time.</summary>
    HandshakeTimeout,
    /// <summary><c>proxy-failed</c>: the HTTP proxy did not open a tunnel (CONNECT refused, credentials wanted).</summary>
    ProxyFailed,

    // ---- after the handshake ----

    /// <summary>
    /// <c>protocol-violation</c>: the handshake completed, then the peer sent a frame that breaks RFC 6455 (a masked server
    /// frame, a reserved opcode, text that is not UTF-8, a close code that may not be sent), and the connection was failed.
    /// </summary>
    ProtocolViolation,
}
