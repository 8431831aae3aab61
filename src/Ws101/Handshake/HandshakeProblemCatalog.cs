using System.Collections.Frozen;

namespace Ws101.Handshake;

/// <summary>
/// The one place where every <see cref="HandshakeProblemCode"/> is documented: its stable id, the
/// rule it enforces, what it means and how to fix it. The troubleshooting guide, the tool's JSON and
/// the playground all read from here.
/// </summary>
public static class HandshakeProblemCatalog
{
    /// <summary>One catalog entry.</summary>
    /// <param name="Code">The code.</param>
    /// <param name="Id">Stable kebab-case id.</param>
    /// <param name="Rule">The RFC section that sets the rule.</param>
    /// <param name="Title">A short title.</param>
    /// <param name="Explanation">What it means, in plain words.</param>
    /// <param name="Fix">How to fix it.</param>
    public sealed record Entry(HandshakeProblemCode Code, string Id, string Rule, string Title, string Explanation, string Fix);

    private static readonly Entry[] Entries =
    [
        new(HandshakeProblemCode.MalformedRequestLine, "malformed-request-line", "RFC 9112 §3",
            "Malformed request line",
            "The first line of the request is not 'GET /path HTTP/1.1': a method, one space, the target, one space, and the HTTP version.",
            "Send a request line such as 'GET /chat HTTP/1.1' with single spaces and no control characters."),
        new(HandshakeProblemCode.MalformedStatusLine, "malformed-status-line", "RFC 9112 §4",
            "Malformed status line",
            "The first line of the response is not 'HTTP/1.1 101 Switching Protocols': the peer may not speak HTTP at all (a TLS port reached with ws://, or another protocol on this port).",
            "Check the port and the scheme (ws:// for plain TCP, wss:// for TLS), and that an HTTP server answers there."),
        new(HandshakeProblemCode.MalformedHeader, "malformed-header", "RFC 9112 §5",
            "Malformed header line",
            "A header line is not 'Name: value': the name is missing or has a space before the colon, or the line holds a control character.",
            "Write each header as 'Name: value' with no space before the colon and no control characters in the value."),
        new(HandshakeProblemCode.ObsoleteLineFolding, "obsolete-line-folding", "RFC 9112 §5.2",
            "Obsolete line folding",
            "A header line starts with a space or a tab, which continues the previous header (obs-fold). HTTP/1.1 no longer allows it, and a WebSocket peer rejects it.",
            "Put each header value on one line."),
        new(HandshakeProblemCode.LineTooLong, "line-too-long", "RFC 9112 §2.3",
            "Line too long",
            "A line of the head is longer than the limit this peer accepts.",
            "Shorten the line (a long URL or cookie), or raise the limit in the handshake options if the size is legitimate."),
        new(HandshakeProblemCode.TooManyHeaders, "too-many-headers", "RFC 6585 §5",
            "Too many header lines",
            "The head has more header lines than the limit this peer accepts.",
            "Send fewer headers, or raise the limit in the handshake options if they are legitimate."),
        new(HandshakeProblemCode.HeadTooLarge, "head-too-large", "RFC 6585 §5",
            "Head too large",
            "The request or response head is larger than the limit this peer accepts, or never ends with an empty line.",
            "Send a smaller head (fewer or shorter cookies), end it with an empty line, or raise the limit if the size is legitimate."),
        new(HandshakeProblemCode.TruncatedHead, "truncated-head", "RFC 9112 §2.1",
            "Connection closed before the head ended",
            "The connection ended before the empty line that ends the HTTP head: the peer crashed, timed out, or closed the connection on purpose (a server that rejects the request without answering, or a proxy that cut it).",
            "Look at the server's log for this request; check proxies between the two sides and their timeouts."),
        new(HandshakeProblemCode.MethodNotGet, "method-not-get", "RFC 6455 §4.1 item 2, §4.2.1 item 1",
            "Method is not GET",
            "A WebSocket upgrade is always a GET request.",
            "Send the upgrade with GET; a POST or another method cannot open a WebSocket."),
        new(HandshakeProblemCode.HttpVersionTooOld, "http-version-too-old", "RFC 6455 §4.1 item 2, §4.2.1 item 1",
            "HTTP/1.0",
            "WebSocket needs HTTP/1.1 or later; HTTP/1.0 has no Upgrade mechanism. A proxy that downgrades to HTTP/1.0 breaks WebSocket.",
            "Send HTTP/1.1. If a proxy is in between, configure it to speak HTTP/1.1 to the backend and to pass Upgrade and Connection through (nginx: proxy_http_version 1.1)."),
        new(HandshakeProblemCode.MissingHost, "missing-host", "RFC 6455 §4.1 item 4, §4.2.1 item 2",
            "Missing Host",
            "The upgrade request must name the server it is for in a Host header.",
            "Add 'Host: name[:port]' (the port only when it is not 80 for ws:// or 443 for wss://)."),
        new(HandshakeProblemCode.DuplicateHost, "duplicate-host", "RFC 9112 §3.2",
            "More than one Host",
            "A request with several Host headers is ambiguous, and HTTP says to reject it.",
            "Send exactly one Host header."),
        new(HandshakeProblemCode.PlainHttpRequest, "plain-http-request", "RFC 6455 §4.2.2, RFC 9110 §15.5.22",
            "Plain HTTP request on a WebSocket endpoint",
            "This path speaks WebSocket, and the request is an ordinary HTTP request: no Upgrade, no Sec-WebSocket-Key.",
            "Open it with a WebSocket client (new WebSocket('ws://...') in a browser), not by loading it as a page."),
        new(HandshakeProblemCode.MissingUpgrade, "missing-upgrade", "RFC 6455 §4.1 item 5, §4.2.1 item 3",
            "Missing Upgrade",
            "There is no 'Upgrade: websocket' header. On a response this usually means a proxy or load balancer stripped the hop-by-hop headers; on a request, the client or a proxy dropped it.",
            "Send 'Upgrade: websocket'. Behind a proxy, make it forward Upgrade and Connection (nginx: proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\")."),
        new(HandshakeProblemCode.UpgradeNotWebSocket, "upgrade-not-websocket", "RFC 6455 §4.1 item 5, §4.2.1 item 3",
            "Upgrade is not websocket",
            "The Upgrade header does not contain the token 'websocket' (case does not matter).",
            "Send 'Upgrade: websocket'."),
        new(HandshakeProblemCode.ConnectionNotUpgrade, "connection-not-upgrade", "RFC 6455 §4.1 item 6, §4.2.1 item 4",
            "Connection lacks upgrade",
            "The Connection header must contain the token 'upgrade' (case does not matter; 'keep-alive, Upgrade' is fine). Without it, Upgrade is not a hop-by-hop instruction and proxies may drop it.",
            "Send 'Connection: Upgrade'. Behind a proxy, make it forward Connection: upgrade to the backend."),
        new(HandshakeProblemCode.MissingKey, "missing-key", "RFC 6455 §4.1 item 7, §4.2.1 item 5",
            "Missing Sec-WebSocket-Key",
            "The request has no Sec-WebSocket-Key, so the server has nothing to compute its proof (Sec-WebSocket-Accept) from.",
            "Send 'Sec-WebSocket-Key' with 16 fresh random bytes in base64 (24 characters ending in '==')."),
        new(HandshakeProblemCode.DuplicateKey, "duplicate-key", "RFC 6455 §11.3.1",
            "More than one Sec-WebSocket-Key",
            "Sec-WebSocket-Key must appear exactly once; with two, the accept value is ambiguous.",
            "Send exactly one Sec-WebSocket-Key header."),
        new(HandshakeProblemCode.InvalidKey, "invalid-key", "RFC 6455 §4.1 item 7, §4.2.1 item 5",
            "Invalid Sec-WebSocket-Key",
            "Sec-WebSocket-Key must be base64 of exactly 16 bytes: 24 characters, the last two '=='. Whitespace or a newline that crept into the value breaks it.",
            "Generate 16 random bytes, base64-encode them, and send the 24 characters as they are, with nothing added."),
        new(HandshakeProblemCode.MissingVersion, "missing-version", "RFC 6455 §4.1 item 9, §4.2.1 item 6",
            "Missing Sec-WebSocket-Version",
            "The request has no Sec-WebSocket-Version header; RFC 6455 clients send 13.",
            "Send 'Sec-WebSocket-Version: 13'."),
        new(HandshakeProblemCode.UnsupportedVersion, "unsupported-version", "RFC 6455 §4.2.2, §4.4",
            "Unsupported Sec-WebSocket-Version",
            "This side speaks WebSocket version 13 (RFC 6455) and the peer asked for another. Versions before 13 are drafts from before 2011.",
            "Send 'Sec-WebSocket-Version: 13'; update a client library that still speaks a draft version."),
        new(HandshakeProblemCode.InvalidSubprotocolHeader, "invalid-subprotocol-header", "RFC 6455 §4.1 item 10, §11.3.4",
            "Invalid Sec-WebSocket-Protocol",
            "Sec-WebSocket-Protocol must be a comma-separated list of tokens (letters, digits and !#$%&'*+-.^_`|~), with no empty or duplicate entries.",
            "Send subprotocol names such as 'chat, superchat'."),
        new(HandshakeProblemCode.InvalidExtensionHeader, "invalid-extension-header", "RFC 6455 §9.1",
            "Invalid Sec-WebSocket-Extensions",
            "Sec-WebSocket-Extensions must be a list of 'name; param; param=value' entries built from tokens or quoted strings.",
            "Send extensions as in 'permessage-deflate; client_max_window_bits'."),
        new(HandshakeProblemCode.RequestHasBody, "request-has-body", "RFC 6455 §4.1",
            "Upgrade request with a body",
            "The request announces a body (Content-Length above 0, or Transfer-Encoding). After a 101 every byte is a WebSocket frame, so a body would be read as garbage frames.",
            "Send the upgrade request without a body."),
        new(HandshakeProblemCode.RejectedByApplication, "rejected-by-application", "RFC 6455 §4.2.2",
            "Refused by the application",
            "The request was a valid WebSocket upgrade, and the server's application chose not to accept it (authentication, Origin or subprotocol policy).",
            "See the reason the server gave; send the credentials, Origin or subprotocol it expects."),
        new(HandshakeProblemCode.SuccessNotUpgrade, "success-not-upgrade", "RFC 6455 §4.1",
            "A 2xx answer instead of 101",
            "The server answered an ordinary success instead of '101 Switching Protocols': this URL is not a WebSocket endpoint (a web page or an API answered), or a proxy in between dropped the Upgrade header and the backend treated the request as plain HTTP.",
            "Check the path (the WebSocket endpoint is often /ws or /socket). Behind a proxy, make it forward Upgrade and Connection and speak HTTP/1.1 to the backend."),
        new(HandshakeProblemCode.Redirect, "redirect", "RFC 6455 §4.1",
            "Redirect",
            "The server answered with a redirect. WebSocket clients do not follow redirects: a 3xx fails the handshake.",
            "Connect to the Location the server names (often http→https, so ws:// → wss://, or a trailing slash)."),
        new(HandshakeProblemCode.Unauthorized, "unauthorized", "RFC 6455 §4.1, RFC 9110 §15.5.2",
            "401 Unauthorized",
            "The endpoint wants credentials before it upgrades.",
            "Send the credentials it asks for (see WWW-Authenticate): an Authorization header, a cookie, or a token in the query string for browsers, which cannot set headers on a WebSocket."),
        new(HandshakeProblemCode.Forbidden, "forbidden", "RFC 6455 §4.2.2 item 4, §10.2",
            "403 Forbidden",
            "The server refused this client. Most often the Origin header is not on the server's allow-list (a page served from another host or port), or the credentials do not grant access.",
            "Compare the Origin sent with the server's allowed origins; add the page's origin there, or connect from an allowed page."),
        new(HandshakeProblemCode.NotFound, "not-found", "RFC 6455 §4.1",
            "404 Not Found",
            "There is no WebSocket endpoint at this path on this server.",
            "Check the path and the port; the endpoint is often /ws, /socket or a path the server's routing names."),
        new(HandshakeProblemCode.UpgradeRequired, "upgrade-required", "RFC 6455 §4.2.2, §4.4",
            "426 Upgrade Required",
            "The server does not speak the WebSocket version the client asked for; its Sec-WebSocket-Version header lists the ones it does.",
            "Send one of the versions the server lists (13 for RFC 6455)."),
        new(HandshakeProblemCode.UnexpectedStatus, "unexpected-status", "RFC 6455 §4.1",
            "Unexpected status",
            "The server answered with a status other than 101, so the connection was not upgraded.",
            "Read the response body and the server's log for the reason."),
        new(HandshakeProblemCode.MissingAccept, "missing-accept", "RFC 6455 §4.1 item 4 (response)",
            "Missing Sec-WebSocket-Accept",
            "A 101 must prove that the server read this request by sending Sec-WebSocket-Accept. Without it, the peer is not a WebSocket server, or something answered 101 blindly.",
            "Make the server send 'Sec-WebSocket-Accept: base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\"))'."),
        new(HandshakeProblemCode.DuplicateAccept, "duplicate-accept", "RFC 6455 §11.3.3",
            "More than one Sec-WebSocket-Accept",
            "Sec-WebSocket-Accept must appear exactly once in the response.",
            "Send the header once; look for a proxy or middleware that adds a second one."),
        new(HandshakeProblemCode.AcceptMismatch, "accept-mismatch", "RFC 6455 §4.1 item 4 (response), §4.2.2 item 5.4",
            "Sec-WebSocket-Accept does not match",
            "The accept value is not base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\")) for the key this client sent.",
            "Compute base64(SHA-1(key text + GUID)) from the key exactly as received, with the GUID in upper case with dashes."),
        new(HandshakeProblemCode.UnrequestedSubprotocol, "unrequested-subprotocol", "RFC 6455 §4.1 item 6 (response)",
            "Subprotocol not offered",
            "The server selected a subprotocol the client did not offer (or several, or one when none was offered). The client must fail the connection.",
            "Make the server choose exactly one of the subprotocols in the request's Sec-WebSocket-Protocol, or none."),
        new(HandshakeProblemCode.UnrequestedExtension, "unrequested-extension", "RFC 6455 §4.1 item 5 (response), §9.1",
            "Extension not offered",
            "The server accepted an extension the client did not offer. The client must fail the connection.",
            "Make the server answer only with extensions from the request's Sec-WebSocket-Extensions."),
    ];

    private static readonly FrozenDictionary<HandshakeProblemCode, Entry> ByCode = Entries.ToFrozenDictionary(e => e.Code);
    private static readonly FrozenDictionary<string, Entry> ById = Entries.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);

    /// <summary>Every entry, in the order of <see cref="HandshakeProblemCode"/>.</summary>
    public static IReadOnlyList<Entry> All => Entries;

    /// <summary>The entry for <paramref name="code"/>.</summary>
    public static Entry Get(HandshakeProblemCode code) =>
        ByCode.TryGetValue(code, out var entry) ? entry : throw new ArgumentOutOfRangeException(nameof(code), code, "Not a handshake problem code.");

    /// <summary>Finds an entry by its kebab-case id.</summary>
    public static bool TryGet(string id, out Entry? entry) => ById.TryGetValue(id, out entry);
}
