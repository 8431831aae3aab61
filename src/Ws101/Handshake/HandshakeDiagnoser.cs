using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// Diagnoses a captured handshake. A request alone is checked as a server would check it; a response
/// alone as a client would, less what needs the request; both together as the client would, the
/// accept value included. An HTTP/2 transcript (header blocks with pseudo-header fields, RFC 8441) is checked by the
/// rules of RFC 8441 instead.
/// </summary>
public static class HandshakeDiagnoser
{
    /// <summary>The largest transcript diagnosed: twice the largest head the parser accepts, plus room for a body.</summary>
    public const int MaxTranscriptLength = 64 * 1024;

    /// <summary>Diagnoses <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text is longer than <see cref="MaxTranscriptLength"/>.</exception>
    public static HandshakeReport Diagnose(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTranscriptLength)
        {
            throw new ArgumentException($"A transcript is at most {MaxTranscriptLength} characters; this one has {text.Length}.", nameof(text));
        }
        var transcript = HandshakeTranscript.Parse(text);
        var problems = new List<DiagnosedProblem>();
        var notes = new List<string>();
        HandshakeOffer offer = HandshakeOffer.Unknown;
        string? expectedAccept = null;
        string? subprotocol = null;
        IReadOnlyList<WebSocketExtension> extensions = [];

        if (transcript.RequestText is null && transcript.ResponseText is null)
        {
            notes.Add("The text holds no HTTP request or response: paste the lines starting with 'GET ...' and/or 'HTTP/1.1 ...'.");
            return new HandshakeReport(transcript, problems, notes, null, null, []);
        }
        if (transcript.RequestText is not null)
        {
            var parsed = Http2HeaderBlock.IsHttp2Text(transcript.RequestText)
                ? Http2HeaderBlock.ParseRequest(transcript.RequestText)
                : HttpRequestHead.Parse(HeadBytes(transcript.RequestText));
            if (parsed.Status == HttpParseStatus.Invalid)
            {
                problems.Add(new DiagnosedProblem(HandshakePart.Request, parsed.Problem!));
            }
            else if (parsed.Head is { } head)
            {
                var verdict = ServerHandshake.Validate(head);
                problems.AddRange(verdict.Problems.Select(p => new DiagnosedProblem(HandshakePart.Request, p)));
                offer = HandshakeOffer.FromRequest(head);
                expectedAccept = WebSocketAccept.ComputeIfValid(offer.Key);
            }
        }
        if (transcript.ResponseText is not null)
        {
            var parsed = Http2HeaderBlock.IsHttp2Text(transcript.ResponseText)
                ? Http2HeaderBlock.ParseResponse(transcript.ResponseText)
                : HttpResponseHead.Parse(HeadBytes(transcript.ResponseText));
            if (parsed.Status == HttpParseStatus.Invalid)
            {
                problems.Add(new DiagnosedProblem(HandshakePart.Response, parsed.Problem!));
            }
            else if (parsed.Head is { } head)
            {
                if (!offer.IsKnown && transcript.RequestText is null)
                {
                    notes.Add("Only a response was given: Sec-WebSocket-Accept, the subprotocol and the extensions cannot be checked without the request's key and offers. Paste the request too.");
                }
                else if (!offer.IsKnown)
                {
                    notes.Add("The request could not be parsed, so Sec-WebSocket-Accept, the subprotocol and the extensions cannot be checked against it.");
                }
                else if (offer.Key is null && head.StatusCode == 101)
                {
                    notes.Add("The request has no Sec-WebSocket-Key, so the accept value cannot be checked.");
                }
                var verdict = ClientHandshake.Validate(offer, head, transcript.ResponseBody);
                problems.AddRange(verdict.Problems.Select(p => new DiagnosedProblem(HandshakePart.Response, p)));
                subprotocol = verdict.Subprotocol;
                extensions = verdict.Extensions;
            }
        }
        else
        {
            notes.Add("Only a request was given: it was checked as a server checks an upgrade request.");
        }
        if (Http2HeaderBlock.IsHttp2Text(transcript.RequestText) || Http2HeaderBlock.IsHttp2Text(transcript.ResponseText))
        {
            notes.Add("An RFC 8441 handshake (WebSocket over HTTP/2): an extended CONNECT answered with a 2xx. It has no Sec-WebSocket-Key " +
                "and no Sec-WebSocket-Accept to check; whether the server allowed it (SETTINGS_ENABLE_CONNECT_PROTOCOL) is not in a transcript " +
                "(ws101 probe --http2 shows it).");
        }
        return new HandshakeReport(transcript, problems, notes, expectedAccept, subprotocol, extensions);
    }

    /// <summary>
    /// The bytes of a pasted head. The parser reads header bytes as Latin-1, so text that fits Latin-1 is encoded
    /// that way and quoted back exactly as pasted; text beyond it was UTF-8 on the wire, and goes back to UTF-8.
    /// </summary>
    private static byte[] HeadBytes(string text) =>
        text.AsSpan().ContainsAnyExceptInRange('\0', '\xff') ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text);
}
