using System.Buffers;

namespace Ws101.Handshake;

/// <summary>
/// The client's side of the opening handshake (RFC 6455 §4.1): check the server's response against
/// what the request offered, and explain every failure. Pure functions.
/// </summary>
internal static partial class ClientHandshake
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
                // The catalog's fix is the request's ("Send HTTP/1.1"); here the client did, and the answer came back in 1.0.
                Fix = "Serve the WebSocket from a server that answers in HTTP/1.1 (simple servers such as Python's http.server answer in HTTP/1.0). If a proxy is in between, configure it to speak HTTP/1.1 to the backend and to pass Upgrade and Connection through (nginx: proxy_http_version 1.1).",
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
            {
                // Less than a head's limit, or the parser would have refused it: small enough to quote from.
                var received = input.Slice(0, Math.Min(input.Length, (limits ?? HttpParseLimits.Default).MaxHeadBytes)).ToArray();
                return new ClientHandshakeResult([IncompleteHead.ForConnection(received, input.Length)], null, []);
            }
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
    /// HTTP/1.1, a 2xx for an RFC 8441 extended CONNECT), explained from the status code in words.
    /// </summary>
    internal static HandshakeProblem StatusProblem(HandshakeOffer offer, HttpResponseHead response, string? body, string expected)
    {
        var h = response.Headers;
        int status = response.StatusCode;
        string actual = response.StatusLine;
        string? contentType = h.GetFirst(KnownHeaderNames.ContentType);
        string? bodyEvidence = string.IsNullOrEmpty(body) ? null : $"the body starts with \"{HandshakeProblem.Visible(Clip(body, 80))}\"";
        // Said in words from the status code itself: a reason phrase is free text, often terse or missing.
        string answered = $"The server answered {HttpStatusText.Describe(status)}";
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
                bool page = contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true;
                return new HandshakeProblem(HandshakeProblemCode.SuccessNotUpgrade, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = string.Join("; ", parts),
                    Explanation = $"{answered}, {(page ? "an ordinary web page" : "an ordinary success")}, instead of {expected}, so the " +
                        "connection stayed plain HTTP: this URL is not a WebSocket endpoint (a web page or an API answered), or a proxy in between " +
                        "dropped the Upgrade header and the backend treated the request as plain HTTP.",
                };
            }
            case >= 300 and < 400:
            {
                string? location = h.GetFirst(KnownHeaderNames.Location);
                var problem = new HandshakeProblem(HandshakeProblemCode.Redirect, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = location is null ? "the redirect has no Location header" : $"Location: {location}",
                    Explanation = $"{answered}, a redirect, instead of {expected}. WebSocket clients do not follow redirects, so the handshake fails there.",
                };
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
                {
                    Line = 1,
                    Evidence = challenge is null ? bodyEvidence : $"WWW-Authenticate: {challenge}",
                    Explanation = $"{answered} instead of {expected}: the endpoint wants credentials before it upgrades.",
                };
            }
            case 403:
                return new HandshakeProblem(HandshakeProblemCode.Forbidden, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = offer.Origin is null ? "the request sent no Origin" + (bodyEvidence is null ? "" : "; " + bodyEvidence)
                        : $"the request sent Origin: {offer.Origin}" + (bodyEvidence is null ? "" : "; " + bodyEvidence),
                    Explanation = $"{answered} instead of {expected}: it refused this client. Most often the Origin header is not on the " +
                        "server's allow-list (a page served from another host or port), or the credentials do not grant access.",
                };
            case 404:
                return new HandshakeProblem(HandshakeProblemCode.NotFound, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = bodyEvidence,
                    Explanation = $"{answered} instead of {expected}: there is no WebSocket endpoint at this path on this server.",
                };
            case 426:
                return UpgradeRequired(offer, h.GetFirst(KnownHeaderNames.SecWebSocketVersion), answered, actual, expected);
            default:
                return new HandshakeProblem(HandshakeProblemCode.UnexpectedStatus, "status line", expected, actual)
                {
                    Line = 1,
                    Evidence = bodyEvidence,
                    Explanation = $"{answered} instead of {expected}: {HttpStatusText.WhatItUsuallyMeans(status)}",
                };
        }
    }

    /// <summary>
    /// A 426 (RFC 6455 §4.4): the server lists the versions it speaks in Sec-WebSocket-Version. Versions below 13 are the
    /// drafts before RFC 6455; a server that lists only those is out of date, and a client must not downgrade to one.
    /// </summary>
    private static HandshakeProblem UpgradeRequired(HandshakeOffer offer, string? versions, string answered, string actual, string expected)
    {
        var problem = new HandshakeProblem(HandshakeProblemCode.UpgradeRequired, "status line", expected, actual) { Line = 1 };
        if (versions is null)
        {
            return problem with
            {
                Evidence = "the server did not say which versions it supports (no Sec-WebSocket-Version header)",
                Explanation = $"{answered} instead of {expected}: it does not accept the WebSocket version the client asked for, and did " +
                    "not say which ones it speaks.",
            };
        }
        var listed = HttpTokenList.Split(versions).ToList();
        bool speaks13 = listed.Contains(ServerHandshake.SupportedVersion, StringComparer.Ordinal);
        bool draftsOnly = listed.Count > 0 && listed.All(v => int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n < 13);
        string sent = offer.Version is null ? "" : $"the request sent Sec-WebSocket-Version: {offer.Version}; ";
        problem = problem with { Evidence = $"{sent}the server supports Sec-WebSocket-Version: {versions}" };
        if (draftsOnly)
        {
            return problem with
            {
                Cause = "server-drafts-only",
                Explanation = $"{answered} instead of {expected}, and lists only " +
                    (listed.Count == 1 ? $"version {versions}, a draft" : $"versions {versions}, drafts") +
                    " of the protocol from before RFC 6455 (2011), which no browser speaks. The server is out of date; the client is right to ask for 13.",
                Fix = "Upgrade the server, or the WebSocket library it uses, to RFC 6455 (version 13). Do not downgrade the client to a draft: " +
                    "browsers cannot, and the drafts lack the protections RFC 6455 added.",
            };
        }
        if (speaks13 && offer.Version is { } version && version != ServerHandshake.SupportedVersion)
        {
            return problem with
            {
                Cause = "client-version",
                Explanation = $"{answered} instead of {expected}: it speaks version 13 (RFC 6455) among {versions}, and the client " +
                    $"asked for {version}.",
                Fix = "Send 'Sec-WebSocket-Version: 13'; update a client library that still speaks a draft version.",
            };
        }
        if (speaks13 && offer.Version == ServerHandshake.SupportedVersion)
        {
            return problem with
            {
                Cause = "version-was-accepted",
                Explanation = $"{answered} although it lists 13, the version the client sent, so it is not the version the server refused: a proxy " +
                    "may have changed or dropped Sec-WebSocket-Version on the way, or the server uses 426 for another reason.",
                Fix = "Read the response body and the server's log for the reason; compare the request the server received with the one sent.",
            };
        }
        return problem with
        {
            Explanation = $"{answered} instead of {expected}: it does not accept the WebSocket version the client asked for, and " +
                $"lists {versions}.",
        };
    }

    private static string Clip(string s, int max)
    {
        s = s.Trim();
        return s.Length <= max ? s : s[..max] + "…";
    }
}
