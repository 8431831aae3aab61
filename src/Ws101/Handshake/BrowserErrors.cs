using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ws101.Handshake;

/// <summary>
/// Reads the words browsers use for a failed WebSocket: Chromium's console line
/// (<c>WebSocket connection to 'ws://…' failed: Error during WebSocket handshake: Unexpected response code: 200</c>),
/// Firefox's (<c>Firefox can’t establish a connection to the server at ws://….</c>), and the same texts where a HAR
/// records them. Each is turned into a <see cref="BrowserError"/>: what the browser saw and the problem code it points
/// to. The strings were collected from Chromium itself (tests/Ws101.Interop/Cli/BrowserConsoleErrorTests.cs). Pure text.
/// </summary>
internal static partial class BrowserErrors
{
    /// <summary>The most characters of pasted console text looked at; a console copy is a few lines.</summary>
    public const int MaxTextLength = HandshakeDiagnoser.MaxTranscriptLength;

    [GeneratedRegex(@"WebSocket connection to '(?<url>[^']*)' failed:\s?(?<message>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ChromiumLine();

    // Firefox writes a typographic apostrophe; a copy through some tools turns it into a plain one.
    [GeneratedRegex(@"Firefox can[’']t establish a connection to the server at (?<url>\S+?)\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex FirefoxCannotConnect();

    [GeneratedRegex(@"The connection to (?<url>wss?://\S+?) was interrupted while the page was loading\.?", RegexOptions.CultureInvariant)]
    private static partial Regex FirefoxInterrupted();

    [GeneratedRegex(@"Unexpected response code: (?<status>\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex UnexpectedStatus();

    [GeneratedRegex(@"net::(?<error>ERR_[A-Z0-9_]+)", RegexOptions.CultureInvariant)]
    private static partial Regex NetError();

    [GeneratedRegex(@"attempted to connect to the insecure WebSocket endpoint '(?<url>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex MixedContent();

    [GeneratedRegex(@"Refused to connect to '(?<url>wss?://[^']*)' because it violates the following Content Security Policy", RegexOptions.CultureInvariant)]
    private static partial Regex ContentSecurityPolicy();

    /// <summary>True when <paramref name="text"/> holds at least one browser WebSocket error line.</summary>
    public static bool Contains(string text) => Find(text).Count > 0;

    /// <summary>Every browser WebSocket error in pasted console text, in order, each distinct one once.</summary>
    public static IReadOnlyList<BrowserError> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTextLength)
        {
            text = text[..MaxTextLength];
        }
        var found = new List<BrowserError>();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            string line = raw.Trim();
            BrowserError? error = null;
            if (ChromiumLine().Match(line) is { Success: true } chromium)
            {
                error = Explain("Chromium", chromium.Groups["message"].Value.Trim(), chromium.Groups["url"].Value);
            }
            else if (FirefoxCannotConnect().Match(line) is { Success: true } cannot)
            {
                string url = cannot.Groups["url"].Value;
                error = new BrowserError("Firefox", ProbeUrl(url), line,
                    "Firefox could not open the WebSocket, and does not say why: it prints this same line for a refused connection, an answer other " +
                    "than 101, a wrong Sec-WebSocket-Accept and a failed TLS handshake. Its Network panel (or a HAR saved from it) shows the response.",
                    null);
            }
            else if (FirefoxInterrupted().Match(line) is { Success: true } interrupted)
            {
                error = new BrowserError("Firefox", ProbeUrl(interrupted.Groups["url"].Value), line,
                    "The page was left or reloaded while its WebSocket was open or opening, so Firefox closed it. This is usually not a fault of the server.",
                    null);
            }
            else if (MixedContent().Match(line) is { Success: true } mixed)
            {
                error = new BrowserError("Chromium", ProbeUrl(mixed.Groups["url"].Value), line,
                    "The page was loaded over https:// and tried to open a ws:// WebSocket; browsers block insecure WebSockets from secure pages " +
                    "(mixed content), so no request was sent. Use wss:// (the same host and path, served over TLS).",
                    null);
            }
            else if (ContentSecurityPolicy().Match(line) is { Success: true } csp)
            {
                error = new BrowserError("Chromium", ProbeUrl(csp.Groups["url"].Value), line,
                    "The page's Content-Security-Policy does not allow connecting to this URL, so no request was sent. Add the WebSocket's origin " +
                    "(ws://host:port or wss://host) to the policy's connect-src.",
                    null);
            }
            if (error is not null && !found.Contains(error))
            {
                found.Add(error);
            }
        }
        return found;
    }

    /// <summary>Explains one browser message about a WebSocket to <paramref name="url"/> (a console line's reason, or a HAR's error text).</summary>
    public static BrowserError Explain(string browser, string message, string? url)
    {
        ArgumentNullException.ThrowIfNull(message);
        url = url is null ? null : ProbeUrl(url);
        string inner = message.StartsWith("Error during WebSocket handshake:", StringComparison.Ordinal)
            ? message["Error during WebSocket handshake:".Length..].Trim() : message;
        if (UnexpectedStatus().Match(inner) is { Success: true } status)
        {
            int code = int.Parse(status.Groups["status"].Value, CultureInfo.InvariantCulture);
            return new BrowserError(browser, url, message,
                $"The server answered the upgrade with {HttpStatusText.Describe(code)} instead of 101 Switching Protocols. The browser shows only the " +
                "status: the response's headers and body are in the output of ws101 probe, or in the server's log.",
                StatusProblem(code, inner));
        }
        if (NetError().Match(message) is { Success: true } net)
        {
            return NetworkError(browser, url, message, net.Groups["error"].Value);
        }
        if (HandshakeFault(inner) is { } fault)
        {
            return new BrowserError(browser, url, message, fault.Saw, fault.Problem);
        }
        if (message.StartsWith("Connection closed before receiving a handshake response", StringComparison.Ordinal))
        {
            return new BrowserError(browser, url, message,
                "The server (or a proxy in front of it) accepted the TCP connection and closed it without sending any response to the upgrade.",
                new HandshakeProblem(HandshakeProblemCode.TruncatedHead, "response", "a complete response head ending in an empty line", message)
                {
                    Evidence = "the browser received no byte of a response before the connection closed",
                });
        }
        if (message.StartsWith("WebSocket is closed before the connection is established", StringComparison.Ordinal))
        {
            return new BrowserError(browser, url, message,
                "The page's own code called close() while the handshake was still under way: either the server had not answered yet (a server " +
                "that answers slowly or never), or the page closed it early on purpose (a component that mounts twice, a reconnect loop).",
                new HandshakeProblem(HandshakeProblemCode.HandshakeTimeout, "response", "an answer to the upgrade", "none before the page closed the WebSocket")
                {
                    Cause = "closed-by-page",
                    Evidence = "the browser was still waiting for the response when close() was called",
                });
        }
        if (ProtocolViolations.FromBrowserMessage(message) is { } violation)
        {
            return new BrowserError(browser, url, message,
                "The handshake succeeded; then a frame from the server broke the WebSocket protocol, and the browser failed the connection (the page " +
                "saw close code 1006).", violation);
        }
        return new BrowserError(browser, url, message, $"The browser failed the WebSocket: {message}", null);
    }

    /// <summary>The URL to give <c>ws101 probe</c>: a WebSocket URL (Firefox records wss:// upgrades as https://).</summary>
    public static string ProbeUrl(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + url[8..]
        : url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + url[7..]
        : url;

    /// <summary>The problem for a status the browser names without the response: the same words as for a captured one.</summary>
    private static HandshakeProblem StatusProblem(int status, string message)
    {
        // The diagnosis of a status line alone; the browser gives nothing else, so no header-based evidence is claimed.
        // A code HTTP's status line cannot carry (below 100), or 101 itself, is explained as an unexpected status.
        var head = status is >= 100 and not 101
            ? HttpResponseHead.Parse(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {HttpStatusText.ReasonPhrase(status)}\r\n\r\n")).Head
            : null;
        var problem = head is null
            ? new HandshakeProblem(HandshakeProblemCode.UnexpectedStatus, "status line", "101 Switching Protocols", message)
            {
                Explanation = $"The browser reports the status {status}, which is not an answer a WebSocket upgrade can have: the peer is probably not an HTTP server.",
            }
            : ClientHandshake.StatusProblem(HandshakeOffer.Unknown, head, null, "101 Switching Protocols");
        problem = problem with
        {
            Line = null,
            Actual = message,
            Evidence = "the browser reports only the status code; the response's headers and body are not in the console",
        };
        if (status == 426)
        {
            problem = problem with
            {
                Explanation = "The server answered 426 Upgrade Required instead of 101 Switching Protocols: it refuses the version browsers ask for, " +
                    "13 (RFC 6455), the only one they speak. A server whose Sec-WebSocket-Version header lists only versions below 13 speaks a draft " +
                    "from before 2011 and must be upgraded.",
            };
        }
        return problem;
    }

    private sealed record Fault(string Saw, HandshakeProblem Problem);

    /// <summary>Chromium's words for a 101 that breaks one of the client's checks (RFC 6455 §4.1).</summary>
    private static Fault? HandshakeFault(string text)
    {
        static HandshakeProblem P(HandshakeProblemCode code, string subject, string actual, string? evidence = null) =>
            new(code, subject, null, actual) { Evidence = evidence };
        if (text.Contains("'Sec-WebSocket-Accept'", StringComparison.Ordinal))
        {
            if (text.Contains("missing", StringComparison.Ordinal))
            {
                return new("The server answered 101 Switching Protocols without a Sec-WebSocket-Accept header.",
                    P(HandshakeProblemCode.MissingAccept, KnownHeaderNames.SecWebSocketAccept, text));
            }
            if (text.Contains("more than once", StringComparison.Ordinal))
            {
                return new("The server's 101 carried Sec-WebSocket-Accept twice.", P(HandshakeProblemCode.DuplicateAccept, KnownHeaderNames.SecWebSocketAccept, text));
            }
            return new("The server answered 101 Switching Protocols, but its Sec-WebSocket-Accept is not the value the browser computed from the " +
                "key it sent, so the browser failed the connection.",
                P(HandshakeProblemCode.AcceptMismatch, KnownHeaderNames.SecWebSocketAccept, text,
                    "the key is random for each connection, so the console cannot show which mistake the server made; ws101 probe computes the " +
                    "expected value and names it (SHA-256 instead of SHA-1, a lower-case GUID, a key with whitespace, …)"));
        }
        if (text.Contains("'Upgrade'", StringComparison.Ordinal))
        {
            return text.Contains("missing", StringComparison.Ordinal)
                ? new("The server answered 101 Switching Protocols without an Upgrade header; a proxy that strips hop-by-hop headers does this.",
                    P(HandshakeProblemCode.MissingUpgrade, KnownHeaderNames.Upgrade, text))
                : new("The server's 101 had an Upgrade header that is not 'websocket'.", P(HandshakeProblemCode.UpgradeNotWebSocket, KnownHeaderNames.Upgrade, text));
        }
        if (text.Contains("'Connection'", StringComparison.Ordinal))
        {
            return new("The server's 101 had no Connection header with the token 'Upgrade'.", P(HandshakeProblemCode.ConnectionNotUpgrade, KnownHeaderNames.Connection, text));
        }
        if (text.Contains("'Sec-WebSocket-Protocol'", StringComparison.Ordinal))
        {
            var problem = P(HandshakeProblemCode.UnrequestedSubprotocol, KnownHeaderNames.SecWebSocketProtocol, text);
            if (text.StartsWith("Sent non-empty", StringComparison.Ordinal))
            {
                problem = problem with
                {
                    Explanation = "The page offered subprotocols (new WebSocket(url, [...])) and the server chose none. RFC 6455 lets a server choose " +
                        "none, but browsers fail the connection then: a page that asks for a subprotocol must get one of those it offered.",
                    Fix = "Make the server answer with one of the offered subprotocols in Sec-WebSocket-Protocol, or open the WebSocket without subprotocols.",
                };
            }
            return new("The server's answer about subprotocols does not match what the page offered.", problem);
        }
        if (text.Contains("permessage-deflate", StringComparison.Ordinal))
        {
            return new("The server accepted permessage-deflate with parameters the browser cannot use.",
                P(HandshakeProblemCode.InvalidExtensionResponse, KnownHeaderNames.SecWebSocketExtensions, text));
        }
        if (text.Contains("'Sec-WebSocket-Extensions'", StringComparison.Ordinal))
        {
            return text.Contains("rejected by the parser", StringComparison.Ordinal)
                ? new("The server's Sec-WebSocket-Extensions header does not follow the grammar.", P(HandshakeProblemCode.InvalidExtensionHeader, KnownHeaderNames.SecWebSocketExtensions, text))
                : new("The server accepted an extension the browser did not offer.", P(HandshakeProblemCode.UnrequestedExtension, KnownHeaderNames.SecWebSocketExtensions, text));
        }
        if (text.StartsWith("Invalid status line", StringComparison.Ordinal))
        {
            return new("The first line of the server's answer is not an HTTP status line.", P(HandshakeProblemCode.MalformedStatusLine, "status line", text));
        }
        return null;
    }

    /// <summary>Chromium's net:: error codes that end a WebSocket before or during its handshake.</summary>
    private static BrowserError NetworkError(string browser, string? url, string message, string error)
    {
        (HandshakeProblemCode? code, string saw) = error switch
        {
            "ERR_CONNECTION_REFUSED" => (HandshakeProblemCode.ConnectionFailed, "Nothing accepted the TCP connection: no server listens on that host and port."),
            "ERR_NAME_NOT_RESOLVED" or "ERR_NAME_RESOLUTION_FAILED" => (HandshakeProblemCode.ConnectionFailed, "The host name in the URL does not resolve."),
            "ERR_ADDRESS_UNREACHABLE" or "ERR_CONNECTION_TIMED_OUT" or "ERR_INTERNET_DISCONNECTED" or "ERR_NETWORK_CHANGED" or "ERR_CONNECTION_FAILED"
                or "ERR_ADDRESS_INVALID" or "ERR_NETWORK_ACCESS_DENIED" => (HandshakeProblemCode.ConnectionFailed, "The browser could not reach the server at all: the TCP connection was never made."),
            "ERR_UNSAFE_PORT" => (HandshakeProblemCode.ConnectionFailed, "The browser refuses to connect to this port at all (it is on the browser's list of unsafe ports)."),
            "ERR_BLOCKED_BY_CLIENT" => (HandshakeProblemCode.ConnectionFailed, "A browser extension (an ad or content blocker) stopped the request before it was sent."),
            "ERR_CONNECTION_CLOSED" or "ERR_EMPTY_RESPONSE" or "ERR_CONNECTION_RESET" or "ERR_CONNECTION_ABORTED" =>
                (HandshakeProblemCode.TruncatedHead, "The connection was made, the upgrade request sent, and the connection closed or was reset before a complete response head arrived."),
            "ERR_INVALID_HTTP_RESPONSE" or "ERR_INVALID_CHUNKED_ENCODING" =>
                (HandshakeProblemCode.MalformedStatusLine, "What came back on the connection is not an HTTP response: another protocol answers on this port, or a TLS port was reached with ws://."),
            "ERR_RESPONSE_HEADERS_TOO_BIG" => (HandshakeProblemCode.HeadTooLarge, "The server's response head was larger than the browser accepts."),
            "ERR_TIMED_OUT" => (HandshakeProblemCode.HandshakeTimeout, "The server accepted the connection but did not complete the handshake in time."),
            "ERR_TUNNEL_CONNECTION_FAILED" => (HandshakeProblemCode.ProxyFailed, "The browser's HTTP proxy did not open a tunnel to the server."),
            _ when error.StartsWith("ERR_PROXY_", StringComparison.Ordinal) => (HandshakeProblemCode.ProxyFailed, "The browser's proxy failed or refused the connection."),
            _ when error.StartsWith("ERR_CERT_", StringComparison.Ordinal) || error.StartsWith("ERR_SSL_", StringComparison.Ordinal)
                || error is "ERR_BAD_SSL_CLIENT_AUTH_CERT" => (HandshakeProblemCode.TlsFailed,
                    "The TLS handshake of the wss:// connection failed: the certificate is not trusted, not for this host name, or expired, or the port does not speak TLS."),
            _ => ((HandshakeProblemCode?)null, $"The browser's network stack failed the connection with {error}."),
        };
        var problem = code is { } c ? new HandshakeProblem(c, c == HandshakeProblemCode.ConnectionFailed ? "connection" : "response", null, $"net::{error}")
        {
            Evidence = $"the browser reports net::{error}",
        } : null;
        return new BrowserError(browser, url, message, saw, problem);
    }
}
