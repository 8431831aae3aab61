namespace Ws101.Handshake;

/// <summary>The client's side of an RFC 8441 handshake: the HTTP/2 response to an extended CONNECT.</summary>
internal static partial class ClientHandshake
{
    /// <summary>What an extended CONNECT expects instead of a 101.</summary>
    internal const string ExtendedConnectSuccess = "a 2xx (200) answer to the extended CONNECT (RFC 8441 §5)";

    private static readonly string[] ContentFields = [KnownHeaderNames.ContentLength, KnownHeaderNames.TransferEncoding, KnownHeaderNames.ContentType];

    /// <summary>
    /// Checks an HTTP/2 response (its head built from <c>:status</c> and the fields, see <see cref="ExtendedConnect"/>)
    /// against RFC 8441 §5: a 2xx opens the tunnel; there is no accept value to check, and none of the HTTP/1.1 upgrade's
    /// fields may appear; the subprotocol and extensions are checked as for HTTP/1.1.
    /// </summary>
    private static ClientHandshakeResult ValidateExtendedConnect(HandshakeOffer offer, HttpResponseHead response, string? bodyPreview)
    {
        var problems = new List<HandshakeProblem>();
        var h = response.Headers;
        // RFC 9110 §9.3.6: "Any 2xx (Successful) response indicates that the sender (and all inbound proxies) will switch to
        // tunnel mode"; anything else is an ordinary answer, explained as its HTTP/1.1 counterpart would be.
        if (response.StatusCode is < 200 or > 299)
        {
            var problem = StatusProblem(offer, response, bodyPreview, ExtendedConnectSuccess);
            problems.Add(problem with { Actual = $"HTTP/2 :status {response.StatusCode}", Evidence = Http2StatusEvidence(response.StatusCode, problem.Evidence) });
            return new ClientHandshakeResult(problems, null, []);
        }
        // RFC 8441 §5: "Implementations using this extended CONNECT to bootstrap WebSockets do not do the processing of the
        // Sec-WebSocket-Key and Sec-WebSocket-Accept header fields"; RFC 9113 §8.2.2: a message with connection-specific
        // fields (Connection, Upgrade) is malformed.
        var stray = ExtendedConnect.Http1UpgradeFields.SelectMany(h.FindAll).OrderBy(f => f.Line).ToList();
        if (stray.Count > 0)
        {
            problems.Add(new HandshakeProblem(HandshakeProblemCode.UpgradeHeadersInHttp2, stray[0].Name,
                ":status 200 with no Sec-WebSocket-Accept, Upgrade or Connection", string.Join("; ", stray.Select(f => $"{f.Name}: {f.Value}")))
            {
                Line = stray[0].Line,
                Evidence = stray.Any(f => f.Name.Equals(KnownHeaderNames.SecWebSocketAccept, StringComparison.OrdinalIgnoreCase))
                    ? "an accept value answers a Sec-WebSocket-Key, which an HTTP/2 request does not send: the answer was made for an HTTP/1.1 upgrade"
                    : "Connection and Upgrade are connection-specific and never appear in HTTP/2",
            });
        }
        // RFC 9110 §9.3.6: "A server MUST NOT send any Transfer-Encoding or Content-Length header fields in a 2xx (Successful)
        // response to CONNECT." A Content-Type marks a representation, which a tunnel does not have either.
        var content = ContentFields.SelectMany(h.FindAll).OrderBy(f => f.Line).ToList();
        if (content.Count > 0)
        {
            string evidence = string.Join("; ", content.Select(f => $"{f.Name}: {f.Value}"));
            if (!string.IsNullOrEmpty(bodyPreview))
            {
                evidence += $"; the body starts with \"{HandshakeProblem.Visible(bodyPreview.Length > 80 ? bodyPreview[..80] + "…" : bodyPreview)}\"";
            }
            problems.Add(new HandshakeProblem(HandshakeProblemCode.ConnectResponseHasContent, content[0].Name,
                "a 2xx with no content: the stream becomes the WebSocket", $"HTTP/2 :status {response.StatusCode} with {content[0].Name}")
            { Line = content[0].Line, Evidence = evidence });
        }
        var (subprotocol, extensions) = CheckAgreements(offer, h, problems);
        return new ClientHandshakeResult(problems, problems.Count == 0 ? subprotocol : null, problems.Count == 0 ? extensions : []);
    }

    /// <summary>What an HTTP/2 status says beyond its HTTP/1.1 meaning, for an extended CONNECT.</summary>
    private static string? Http2StatusEvidence(int status, string? evidence)
    {
        string? more = status switch
        {
            // The route exists but does not take CONNECT: a WebSocket endpoint that only upgrades HTTP/1.1, or no WebSocket at all.
            405 or 501 => "the server does not accept CONNECT on this path: its WebSocket endpoint serves HTTP/1.1 upgrades only, or this is not a WebSocket endpoint",
            101 => "HTTP/2 has no 101 (RFC 9113 §8.6): the answer was made for an HTTP/1.1 upgrade",
            _ => null,
        };
        return more is null ? evidence : evidence is null ? more : $"{more}; {evidence}";
    }
}
