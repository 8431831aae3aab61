using System.Buffers;

namespace Ws101.Handshake;

/// <summary>
/// The client's side of the opening handshake (RFC 6455 §4.1): check the server's response against
/// what the request offered, and explain every failure. Pure functions.
/// </summary>
public static partial class ClientHandshake
{
    /// <summary>The most characters of a non-101 body quoted as evidence.</summary>
    public const int BodyPreviewLength = 200;

    /// <summary>
    /// Checks a response head against the offer (RFC 6455 §4.1, "the client MUST validate the server's response").
    /// </summary>
    /// <param name="offer">What the request offered.</param>
    /// <param name="response">The parsed response head.</param>
    /// <param name="bodyPreview">The start of the body after the head, if any was received (used to explain a non-101 answer).</param>
    public static ClientHandshakeResult Validate(HandshakeOffer offer, HttpResponseHead response, string? bodyPreview = null)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(response);
        if (ExtendedConnect.IsHttp2(response))
        {
            return ValidateExtendedConnect(offer, response, bodyPreview);
        }
        var problems = new List<HandshakeProblem>();
        var h = response.Headers;

        if (!HttpVersionText.IsAtLeastHttp11(response.Version))
        {
            problems.Add(new HandshakeProblem(HandshakeProblemCode.HttpVersionTooOld, "status line", "HTTP/1.1",
                $"HTTP/{response.Version.Major}.{response.Version.Minor}")
            {
                Line = 1,
                Explanation = "The response is HTTP/1.0, which has no Upgrade mechanism: the server, or a proxy in between, speaks HTTP/1.0 and cannot switch to WebSocket.",
            });
        }
        // RFC 6455 §4.1 (response) item 1: if the status code received from the server is not 101, the client handles the response per HTTP procedures.
        if (response.StatusCode != 101)
        {
            problems.Add(StatusProblem(offer, response, bodyPreview, "101 Switching Protocols"));
            return new ClientHandshakeResult(problems, null, []);
        }

        // Item 2: an |Upgrade| header field whose value is not an ASCII case-insensitive match for "websocket" -> fail.
        var upgrade = h.Find(KnownHeaderNames.Upgrade);
        if (upgrade is null)
        {
            problems.Add(new HandshakeProblem(HandshakeProblemCode.MissingUpgrade, KnownHeaderNames.Upgrade, "Upgrade: websocket", "no Upgrade header")
            {
                Explanation = "The 101 has no Upgrade header. A proxy or load balancer that strips hop-by-hop headers, or a server that answers 101 without knowing WebSocket, produces this.",
            });
        }
        else if (!string.Equals(upgrade.Value.Value, "websocket", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new HandshakeProblem(HandshakeProblemCode.UpgradeNotWebSocket, KnownHeaderNames.Upgrade, "websocket", upgrade.Value.Value) { Line = upgrade.Value.Line });
        }

        // Item 3: a |Connection| header field that does not contain the token "Upgrade" -> fail.
        if (!h.ContainsToken(KnownHeaderNames.Connection, "upgrade"))
        {
            var connection = h.Find(KnownHeaderNames.Connection);
            problems.Add(new HandshakeProblem(HandshakeProblemCode.ConnectionNotUpgrade, KnownHeaderNames.Connection,
                "a list that includes Upgrade", connection?.Value ?? "no Connection header") { Line = connection?.Line });
        }

        // Item 4: |Sec-WebSocket-Accept| must be base64(SHA-1(key + GUID)), trimmed of leading and trailing whitespace.
        var accepts = h.FindAll(KnownHeaderNames.SecWebSocketAccept).ToList();
        if (accepts.Count == 0)
        {
            // The offer of a pasted request may carry a key that has no accept (not ASCII): then the formula is expected.
            problems.Add(new HandshakeProblem(HandshakeProblemCode.MissingAccept, KnownHeaderNames.SecWebSocketAccept,
                WebSocketAccept.ComputeIfValid(offer.Key) ?? "base64(SHA-1(key + GUID))", "no Sec-WebSocket-Accept header"));
        }
        else if (accepts.Count > 1)
        {
            problems.Add(new HandshakeProblem(HandshakeProblemCode.DuplicateAccept, KnownHeaderNames.SecWebSocketAccept, "one header",
                string.Join(", ", accepts.Select(a => a.Value))) { Line = accepts[1].Line });
        }
        else if (offer.Key is not null && AcceptDiagnosis.Diagnose(offer.Key, accepts[0].Value) is { } mismatch)
        {
            problems.Add(mismatch with { Line = accepts[0].Line });
        }

        var (subprotocol, extensions) = CheckAgreements(offer, h, problems);
        return new ClientHandshakeResult(problems, problems.Count == 0 ? subprotocol : null, problems.Count == 0 ? extensions : []);
    }

    /// <summary>
    /// RFC 6455 §4.1 (response) items 5 and 6, which RFC 8441 §5 keeps "in the same way": the extensions and the
    /// subprotocol the server chose must be among those offered.
    /// </summary>
    private static (string? Subprotocol, List<WebSocketExtension> Extensions) CheckAgreements(HandshakeOffer offer, HttpHeaders h, List<HandshakeProblem> problems)
    {
        // Item 5: an extension not present in the client's handshake -> fail.
        var extensions = new List<WebSocketExtension>();
        foreach (var field in h.FindAll(KnownHeaderNames.SecWebSocketExtensions))
        {
            var parsed = new List<WebSocketExtension>();
            if (!WebSocketExtension.TryParse(field.Value, parsed, out var error))
            {
                problems.Add(new HandshakeProblem(HandshakeProblemCode.InvalidExtensionHeader, KnownHeaderNames.SecWebSocketExtensions,
                    "name; param; param=value", field.Value) { Line = field.Line, Evidence = error });
                continue;
            }
            foreach (var e in parsed)
            {
                if (offer.IsKnown && !offer.Extensions.Any(o => string.Equals(o.Name, e.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    problems.Add(new HandshakeProblem(HandshakeProblemCode.UnrequestedExtension, KnownHeaderNames.SecWebSocketExtensions,
                        offer.Extensions.Count == 0 ? "no extension (none was offered)" : "one of: " + string.Join(", ", offer.Extensions.Select(o => o.Name)),
                        e.ToString()) { Line = field.Line });
                }
                // RFC 7692 §7.1: a permessage-deflate response the offers do not allow fails the connection.
                else if (offer.IsKnown && Compression.PerMessageDeflateNegotiation.CheckResponse(offer.Extensions, e,
                    extensions.Count(Compression.PerMessageDeflateNegotiation.IsPerMessageDeflate)) is { } invalid)
                {
                    problems.Add(invalid with { Line = field.Line });
                }
                extensions.Add(e);
            }
        }

        // Item 6: a subprotocol not present in the client's handshake -> fail.
        string? subprotocol = null;
        var protocols = h.FindAll(KnownHeaderNames.SecWebSocketProtocol).ToList();
        if (protocols.Count > 0)
        {
            var values = protocols.SelectMany(p => HttpTokenList.Split(p.Value)).ToList();
            string expected = offer.Subprotocols.Count == 0 ? "no subprotocol (none was offered)" : "one of: " + string.Join(", ", offer.Subprotocols);
            if (values.Count != 1)
            {
                problems.Add(new HandshakeProblem(HandshakeProblemCode.UnrequestedSubprotocol, KnownHeaderNames.SecWebSocketProtocol,
                    "exactly one subprotocol", string.Join(", ", values)) { Line = protocols[0].Line, Evidence = $"the server selected {values.Count} subprotocols" });
            }
            else if (offer.IsKnown && !offer.Subprotocols.Contains(values[0], StringComparer.Ordinal))
            {
                problems.Add(new HandshakeProblem(HandshakeProblemCode.UnrequestedSubprotocol, KnownHeaderNames.SecWebSocketProtocol,
                    expected, values[0]) { Line = protocols[0].Line });
            }
            else
            {
                subprotocol = values[0];
            }
        }
        return (subprotocol, extensions);
    }

    /// <summary>
    /// Parses a response from the bytes received so far and validates it. Returns null while more bytes
    /// are needed; with <paramref name="connectionEnded"/> set, an unfinished head becomes <c>truncated-head</c>.
    /// </summary>
    public static ClientHandshakeResult? Read(HandshakeOffer offer, in ReadOnlySequence<byte> input, bool connectionEnded,
        HttpParseLimits? limits, out int bytesConsumed, out HttpResponseHead? head)
    {
        var parsed = HttpResponseHead.Parse(input, limits);
        bytesConsumed = parsed.BytesConsumed;
        head = parsed.Head;
        switch (parsed.Status)
        {
            case HttpParseStatus.NeedMoreData when !connectionEnded:
                return null;
            case HttpParseStatus.NeedMoreData:
                return new ClientHandshakeResult([TruncatedHead(input.Length)], null, []);
            case HttpParseStatus.Invalid:
                return new ClientHandshakeResult([parsed.Problem!], null, []);
        }
        string? preview = null;
        if (parsed.Head!.StatusCode != 101 && input.Length > bytesConsumed)
        {
            var body = input.Slice(bytesConsumed, Math.Min(BodyPreviewLength, input.Length - bytesConsumed));
            preview = System.Text.Encoding.UTF8.GetString(body.ToArray());
        }
        return Validate(offer, parsed.Head, preview);
    }

    /// <summary>The problem for a connection that ended after <paramref name="bytesReceived"/> bytes, before the head was complete.</summary>
    public static HandshakeProblem TruncatedHead(long bytesReceived) =>
        new(HandshakeProblemCode.TruncatedHead, "response", "a complete response head ending in an empty line",
            bytesReceived == 0 ? "the connection closed before any byte of a response" : $"{bytesReceived} bytes, then the connection closed")
        {
            Evidence = bytesReceived == 0
                ? "the server accepted the TCP connection and closed it without answering"
                : "the response head has no final empty line",
        };

    /// <summary>
    /// The problem for an answer other than the success expected (<paramref name="expected"/>: "101 Switching Protocols" for
    /// HTTP/1.1, a 2xx for an RFC 8441 extended CONNECT).
    /// </summary>
    internal static HandshakeProblem StatusProblem(HandshakeOffer offer, HttpResponseHead response, string? body, string expected)
    {
        var h = response.Headers;
        int status = response.StatusCode;
        string actual = response.StatusLine;
        string? contentType = h.GetFirst(KnownHeaderNames.ContentType);
        string? bodyEvidence = string.IsNullOrEmpty(body) ? null : $"the body starts with \"{HandshakeProblem.Visible(Clip(body, 80))}\"";
        switch (status)
        {
            case >= 200 and < 300:
            {
                var parts = new List<string>();
                if (contentType is not null)
                {
                    parts.Add($"Content-Type: {contentType}");
                }
                if (bodyEvidence is not null)
                {
                    parts.Add(bodyEvidence);
                }
                parts.Add(h.Contains(KnownHeaderNames.Upgrade) ? "the response has an Upgrade header" : "the response has no Upgrade header");
                return new HandshakeProblem(HandshakeProblemCode.SuccessNotUpgrade, "status line", expected, actual)
                { Line = 1, Evidence = string.Join("; ", parts) };
            }
            case >= 300 and < 400:
            {
                string? location = h.GetFirst(KnownHeaderNames.Location);
                var problem = new HandshakeProblem(HandshakeProblemCode.Redirect, "status line", expected, actual)
                { Line = 1, Evidence = location is null ? "the redirect has no Location header" : $"Location: {location}" };
                if (location is not null)
                {
                    // RFC 9110 §10.2.2: Location may be relative, resolved against the URL requested.
                    string target = location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + location[8..]
                        : location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + location[7..]
                        : location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) ? $"the path {location} on the same server" : location;
                    problem = problem with { Fix = $"Connect to {target} directly: the server moved this endpoint there, and WebSocket clients do not follow redirects." };
                }
                return problem;
            }
            case 401:
            {
                string? challenge = h.GetFirst("WWW-Authenticate");
                return new HandshakeProblem(HandshakeProblemCode.Unauthorized, "status line", expected, actual)
                { Line = 1, Evidence = challenge is null ? bodyEvidence : $"WWW-Authenticate: {challenge}" };
            }
            case 403:
                return new HandshakeProblem(HandshakeProblemCode.Forbidden, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = offer.Origin is null ? "the request sent no Origin" + (bodyEvidence is null ? "" : "; " + bodyEvidence)
                        : $"the request sent Origin: {offer.Origin}" + (bodyEvidence is null ? "" : "; " + bodyEvidence),
                };
            case 404:
                return new HandshakeProblem(HandshakeProblemCode.NotFound, "status line", expected, actual) { Line = 1, Evidence = bodyEvidence };
            case 426:
            {
                string? versions = h.GetFirst(KnownHeaderNames.SecWebSocketVersion);
                return new HandshakeProblem(HandshakeProblemCode.UpgradeRequired, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = versions is null ? "the server did not say which versions it supports (no Sec-WebSocket-Version header)"
                        : $"the server supports Sec-WebSocket-Version: {versions}",
                };
            }
            default:
                return new HandshakeProblem(HandshakeProblemCode.UnexpectedStatus, "status line", expected, actual)
                { Line = 1, Evidence = bodyEvidence };
        }
    }

    private static string Clip(string s, int max)
    {
        s = s.Trim();
        return s.Length <= max ? s : s[..max] + "…";
    }
}
