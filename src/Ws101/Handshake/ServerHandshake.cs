using System.Buffers;
using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// The server's side of the opening handshake (RFC 6455 §4.2): validate the client's upgrade request
/// and build the 101 response. Pure functions; the transport reads and writes the bytes.
/// </summary>
internal static partial class ServerHandshake
{
    /// <summary>The version this implementation speaks (RFC 6455).</summary>
    public const string SupportedVersion = "13";

    /// <summary>
    /// Checks a parsed request against RFC 6455 §4.2.1, collecting every problem found; a request that came over HTTP/2
    /// (an extended CONNECT) is checked against RFC 8441 §5 instead.
    /// </summary>
    public static ServerHandshakeResult Validate(HttpRequestHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (ExtendedConnect.IsHttp2(head))
        {
            return ValidateExtendedConnect(head);
        }
        // Allocated only when something is wrong: a valid upgrade (the hot path) builds no list.
        List<HandshakeProblem>? problems = null;
        var h = head.Headers;

        // RFC 6455 §4.2.1 item 1: an HTTP/1.1 or higher GET request.
        if (!string.Equals(head.Method, "GET", StringComparison.Ordinal))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MethodNotGet, "request line", "GET", head.Method) { Line = 1 });
        }
        if (!HttpVersionText.IsAtLeastHttp11(head.Version))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.HttpVersionTooOld, "request line", "HTTP/1.1",
                $"HTTP/{head.Version.Major}.{head.Version.Minor}") { Line = 1 });
        }

        // A plain page load of a WebSocket path: say that once instead of listing every missing header.
        bool noUpgrade = !h.Contains(KnownHeaderNames.Upgrade);
        if (noUpgrade && !h.Contains(KnownHeaderNames.SecWebSocketKey) && !h.ContainsToken(KnownHeaderNames.Connection, "upgrade"))
        {
            (problems ??= []).Insert(0, new HandshakeProblem(HandshakeProblemCode.PlainHttpRequest, "request",
                "Upgrade: websocket, Connection: Upgrade and a Sec-WebSocket-Key", "none of them"));
            return ServerHandshakeResult.Reject(problems!);
        }

        // RFC 6455 §4.2.1 item 2: a |Host| header field containing the server's authority.
        string host = "";
        int hosts = h.CountOf(KnownHeaderNames.Host);
        if (hosts == 0 || string.IsNullOrEmpty(h.GetFirst(KnownHeaderNames.Host)))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MissingHost, KnownHeaderNames.Host, "Host: name[:port]", hosts == 0 ? "no Host header" : "an empty Host"));
        }
        else if (hosts > 1)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.DuplicateHost, KnownHeaderNames.Host, "one Host header", $"{hosts} Host headers")
            { Line = h.FindAll(KnownHeaderNames.Host).Skip(1).First().Line });
        }
        else
        {
            host = h.GetFirst(KnownHeaderNames.Host)!;
        }

        // RFC 6455 §4.2.1 item 3: an |Upgrade| header field containing the value "websocket", treated as an ASCII case-insensitive value.
        var upgrade = h.Find(KnownHeaderNames.Upgrade);
        if (upgrade is null)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MissingUpgrade, KnownHeaderNames.Upgrade, "Upgrade: websocket", "no Upgrade header"));
        }
        else if (!h.ContainsToken(KnownHeaderNames.Upgrade, "websocket"))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.UpgradeNotWebSocket, KnownHeaderNames.Upgrade, "websocket", upgrade.Value.Value)
            { Line = upgrade.Value.Line });
        }

        // RFC 6455 §4.2.1 item 4: a |Connection| header field that includes the token "Upgrade", treated as an ASCII case-insensitive value.
        if (!h.ContainsToken(KnownHeaderNames.Connection, "upgrade"))
        {
            var connection = h.Find(KnownHeaderNames.Connection);
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.ConnectionNotUpgrade, KnownHeaderNames.Connection,
                "a list that includes Upgrade", connection?.Value ?? "no Connection header") { Line = connection?.Line });
        }

        // RFC 6455 §4.2.1 item 5: a |Sec-WebSocket-Key| header field with a base64-encoded value that, when decoded, is 16 bytes in length.
        string key = "";
        int keyCount = h.CountOf(KnownHeaderNames.SecWebSocketKey);
        var firstKey = h.Find(KnownHeaderNames.SecWebSocketKey);
        if (keyCount == 0)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MissingKey, KnownHeaderNames.SecWebSocketKey, "24 base64 characters", "no Sec-WebSocket-Key header"));
        }
        else if (keyCount > 1 || firstKey!.Value.Value.Contains(',', StringComparison.Ordinal))
        {
            var keys = h.FindAll(KnownHeaderNames.SecWebSocketKey).ToList();
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.DuplicateKey, KnownHeaderNames.SecWebSocketKey, "exactly one key",
                string.Join(", ", keys.Select(k => k.Value))) { Line = keys[^1].Line });
        }
        else if (WebSocketKeyRules.Check(firstKey.Value.Value) is { } why)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.InvalidKey, KnownHeaderNames.SecWebSocketKey,
                "base64 of 16 bytes (24 characters ending in '==')", HandshakeProblem.Visible(firstKey.Value.Value))
            { Line = firstKey.Value.Line, Evidence = why });
        }
        else
        {
            key = firstKey.Value.Value;
        }

        CheckVersion(h, ref problems);
        var subprotocols = ReadSubprotocols(h, ref problems);
        var extensions = ReadExtensions(h, ref problems);

        // After the 101 every byte is a frame; a body would be misread as frames.
        var contentLength = h.Find(KnownHeaderNames.ContentLength);
        if (h.Contains(KnownHeaderNames.TransferEncoding) || (contentLength is { } cl && cl.Value != "0"))
        {
            var field = contentLength ?? h.Find(KnownHeaderNames.TransferEncoding)!.Value;
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.RequestHasBody, field.Name, "no body", $"{field.Name}: {field.Value}") { Line = field.Line });
        }

        if (problems is not null)
        {
            return ServerHandshakeResult.Reject(problems);
        }
        return ServerHandshakeResult.Accept(new UpgradeRequest(head, host, key, h.GetFirst(KnownHeaderNames.Origin), subprotocols, extensions));
    }

    // RFC 6455 §4.2.1 item 6 (and RFC 8441 §5, "in the same way"): a |Sec-WebSocket-Version| header field, with a value of 13.
    private static void CheckVersion(HttpHeaders h, ref List<HandshakeProblem>? problems)
    {
        int versionCount = h.CountOf(KnownHeaderNames.SecWebSocketVersion);
        var firstVersion = h.Find(KnownHeaderNames.SecWebSocketVersion);
        if (versionCount == 0)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MissingVersion, KnownHeaderNames.SecWebSocketVersion, SupportedVersion, "no Sec-WebSocket-Version header"));
        }
        else if (versionCount > 1 || !string.Equals(firstVersion!.Value.Value, SupportedVersion, StringComparison.Ordinal))
        {
            var versions = h.FindAll(KnownHeaderNames.SecWebSocketVersion).ToList();
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.UnsupportedVersion, KnownHeaderNames.SecWebSocketVersion, SupportedVersion,
                string.Join(", ", versions.Select(v => v.Value))) { Line = versions[0].Line });
        }
    }

    // RFC 6455 §4.2.1 item 8: optional subprotocols, a list of tokens.
    private static IReadOnlyList<string> ReadSubprotocols(HttpHeaders h, ref List<HandshakeProblem>? problems)
    {
        List<string>? subprotocols = null;
        foreach (var field in h.Contains(KnownHeaderNames.SecWebSocketProtocol) ? h.FindAll(KnownHeaderNames.SecWebSocketProtocol) : [])
        {
            if (!HttpTokenList.TryParseTokens(field.Value, out var tokens, out var bad))
            {
                (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.InvalidSubprotocolHeader, KnownHeaderNames.SecWebSocketProtocol,
                    "a comma-separated list of tokens", field.Value) { Line = field.Line, Evidence = $"'{bad}' is not a token" });
                continue;
            }
            foreach (var t in tokens)
            {
                // RFC 6455 §4.1 item 10: the elements MUST be unique.
                if (subprotocols?.Contains(t, StringComparer.Ordinal) == true)
                {
                    (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.InvalidSubprotocolHeader, KnownHeaderNames.SecWebSocketProtocol,
                        "each subprotocol once", field.Value) { Line = field.Line, Evidence = $"'{t}' is offered twice" });
                }
                else
                {
                    (subprotocols ??= []).Add(t);
                }
            }
        }
        // Array.Empty, not []: beside a List<string>, [] is a new empty list, kept by every connection that offered none.
        return subprotocols is null or { Count: 0 } ? Array.Empty<string>() : subprotocols;
    }

    // RFC 6455 §4.2.1 item 9: optional extensions, following the §9.1 grammar.
    private static IReadOnlyList<WebSocketExtension> ReadExtensions(HttpHeaders h, ref List<HandshakeProblem>? problems)
    {
        List<WebSocketExtension>? extensions = null;
        foreach (var field in h.Contains(KnownHeaderNames.SecWebSocketExtensions) ? h.FindAll(KnownHeaderNames.SecWebSocketExtensions) : [])
        {
            if (!WebSocketExtension.TryParse(field.Value, extensions ??= [], out var error))
            {
                (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.InvalidExtensionHeader, KnownHeaderNames.SecWebSocketExtensions,
                    "name; param; param=value", field.Value) { Line = field.Line, Evidence = error });
            }
        }
        return extensions is null or { Count: 0 } ? Array.Empty<WebSocketExtension>() : extensions;
    }

    /// <summary>
    /// Parses and validates a request from the bytes received so far. Returns null while more bytes are
    /// needed; a head that breaks the parser's rules or limits gives a rejection.
    /// </summary>
    public static ServerHandshakeResult? Read(in ReadOnlySequence<byte> input, HttpParseLimits? limits, out int bytesConsumed)
    {
        var parsed = HttpRequestHead.Parse(input, limits);
        bytesConsumed = parsed.BytesConsumed;
        return parsed.Status switch
        {
            HttpParseStatus.NeedMoreData => null,
            HttpParseStatus.Invalid => ServerHandshakeResult.Reject([parsed.Problem!]),
            _ => Validate(parsed.Head!),
        };
    }

    /// <summary>
    /// Builds the <c>101 Switching Protocols</c> response (RFC 6455 §4.2.2 item 5) for an accepted request,
    /// with the chosen subprotocol and extensions, if any.
    /// </summary>
    /// <param name="request">The accepted request.</param>
    /// <param name="subprotocol">One of <see cref="UpgradeRequest.Subprotocols"/>, or null for none.</param>
    /// <param name="extensions">The extensions accepted, each one the client offered; null or empty for none.</param>
    /// <param name="extraHeaders">More headers to send (Set-Cookie, a server name); they must not repeat the handshake's own.</param>
    /// <exception cref="ArgumentException">The subprotocol or an extension was not offered, or a header is malformed.</exception>
    /// <remarks>For a request that came over HTTP/2 it is the 200 of RFC 8441 §5, as <c>:status: 200</c> and the fields.</remarks>
    public static string BuildAcceptResponse(UpgradeRequest request, string? subprotocol = null,
        IReadOnlyList<WebSocketExtension>? extensions = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null)
    {
        var headers = AcceptResponseHeaders(request, subprotocol, extensions, extraHeaders);
        return request.IsHttp2 ? ExtendedConnect.FormatAcceptResponse(headers) : FormatAcceptResponse(headers);
    }

    /// <summary>The 101 response head with <paramref name="headers"/> (from <see cref="AcceptResponseHeaders"/>), in their order.</summary>
    internal static string FormatAcceptResponse(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var sb = new StringBuilder(160);
        sb.Append("HTTP/1.1 101 Switching Protocols\r\n");
        foreach (var (name, value) in headers)
        {
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        sb.Append("\r\n");
        return sb.ToString();
    }

    /// <summary>
    /// The header fields of the <c>101 Switching Protocols</c> response, in the order they are sent: what
    /// <see cref="BuildAcceptResponse"/> writes, and what a host that writes the status line itself (Kestrel) sets.
    /// </summary>
    /// <exception cref="ArgumentException">The subprotocol or an extension was not offered, or a header is malformed.</exception>
    internal static List<KeyValuePair<string, string>> AcceptResponseHeaders(UpgradeRequest request, string? subprotocol,
        IReadOnlyList<WebSocketExtension>? extensions, IEnumerable<KeyValuePair<string, string>>? extraHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        // RFC 6455 §4.2.2 item 5.2: the server selects one or none of the subprotocols the client offered.
        if (subprotocol is not null && !request.Subprotocols.Contains(subprotocol, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Subprotocol '{subprotocol}' was not offered by the client (offered: {string.Join(", ", request.Subprotocols)}); a client must fail the connection on it.",
                nameof(subprotocol));
        }
        if (extensions is not null)
        {
            foreach (var e in extensions)
            {
                // RFC 6455 §9.1: the server's extensions are "from the list provided by the client".
                if (!request.Extensions.Any(o => string.Equals(o.Name, e.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new ArgumentException($"Extension '{e.Name}' was not offered by the client.", nameof(extensions));
                }
            }
        }
        if (request.IsHttp2)
        {
            // RFC 8441 §5: the response carries Sec-WebSocket-Protocol and Sec-WebSocket-Extensions "in the same way", and
            // none of the HTTP/1.1 upgrade's fields; the status (200) is the HTTP/2 engine's to send.
            var agreed = ExtendedConnect.AcceptResponseHeaders(subprotocol, extensions);
            AddExtraHeaders(agreed, extraHeaders);
            return agreed;
        }
        // RFC 6455 §4.2.2 item 5: Upgrade, Connection and Sec-WebSocket-Accept; then the optional agreements.
        var headers = new List<KeyValuePair<string, string>>(5)
        {
            new(KnownHeaderNames.Upgrade, "websocket"),
            new(KnownHeaderNames.Connection, "Upgrade"),
            new(KnownHeaderNames.SecWebSocketAccept, WebSocketAccept.Compute(request.Key)),
        };
        if (subprotocol is not null)
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketProtocol, subprotocol));
        }
        if (extensions is { Count: > 0 })
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketExtensions, WebSocketExtension.Format(extensions)));
        }
        AddExtraHeaders(headers, extraHeaders);
        return headers;
    }

    private static readonly string[] ReservedResponseHeaders =
        ["Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Content-Length", "Transfer-Encoding"];

    private static void AddExtraHeaders(List<KeyValuePair<string, string>> headers, IEnumerable<KeyValuePair<string, string>>? extraHeaders)
    {
        if (extraHeaders is null)
        {
            return;
        }
        foreach (var (name, value) in extraHeaders)
        {
            if (!HttpTokenList.IsToken(name))
            {
                throw new ArgumentException($"'{name}' is not a valid header name.", nameof(extraHeaders));
            }
            // RFC 9110 §5.5: a value holds no CR, LF, NUL or other control character; a line break would inject a header.
            if (HttpTokenList.IndexOfInvalidValueChar(value) >= 0)
            {
                throw new ArgumentException($"The value of header '{name}' holds a line break or another control character, which could inject another header.", nameof(extraHeaders));
            }
            if (ReservedResponseHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Header '{name}' is set by the handshake itself and cannot be added.", nameof(extraHeaders));
            }
            headers.Add(new(name, value));
        }
    }

    /// <summary>
    /// Writes the plain 101 response (no subprotocol, no extension) for a key given as ASCII bytes,
    /// without allocating: the hot path of a server that accepts every valid upgrade.
    /// Returns the bytes written, or 0 (writing nothing) when <paramref name="destination"/> is too small (it needs 129 bytes)
    /// or the key is longer than <see cref="WebSocketAccept.MaxKeyLength"/>.
    /// </summary>
    public static int WriteAcceptResponse(ReadOnlySpan<byte> keyAscii, Span<byte> destination)
    {
        ReadOnlySpan<byte> prefix = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8;
        int total = prefix.Length + WebSocketAccept.Length + 4;
        // Check everything before writing, so that a 0 result leaves the destination untouched.
        if (destination.Length < total || keyAscii.Length > WebSocketAccept.MaxKeyLength)
        {
            return 0;
        }
        prefix.CopyTo(destination);
        if (!WebSocketAccept.TryCompute(keyAscii, destination[prefix.Length..], out _))
        {
            return 0;
        }
        "\r\n\r\n"u8.CopyTo(destination[(prefix.Length + WebSocketAccept.Length)..]);
        return total;
    }
}
