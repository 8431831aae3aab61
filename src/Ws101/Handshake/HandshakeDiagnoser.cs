using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// Diagnoses a captured handshake. A request alone is checked as a server would check it; a response
/// alone as a client would, less what needs the request; both together as the client would, the
/// accept value included. A head that the text ends inside, before its empty line, is reported as
/// <c>truncated-head</c> first, and what the cut may hide (a header that seems missing, a fragment of a
/// line) is not judged.
/// </summary>
internal static class HandshakeDiagnoser
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
            var judged = JudgeHead(transcript.RequestText, transcript.RequestEnd, "request", notes, text =>
            {
                var parsed = Http2HeaderBlock.IsHttp2Text(text) ? Http2HeaderBlock.ParseRequest(text) : HttpRequestHead.Parse(HeadBytes(text));
                if (parsed.Status == HttpParseStatus.Invalid)
                {
                    return ([parsed.Problem!], HandshakeOffer.Unknown);
                }
                if (parsed.Head is not { } head)
                {
                    return ([], HandshakeOffer.Unknown);
                }
                return (ServerHandshake.Validate(head).Problems.ToList(), HandshakeOffer.FromRequest(head));
            });
            problems.AddRange(judged.Problems.Select(p => new DiagnosedProblem(HandshakePart.Request, p)));
            offer = judged.State;
            expectedAccept = WebSocketAccept.ComputeIfValid(offer.Key);
        }
        if (transcript.ResponseText is not null)
        {
            int? status = null;
            var judged = JudgeHead<ClientHandshakeResult?>(transcript.ResponseText, transcript.ResponseEnd, "response", notes, text =>
            {
                var parsed = Http2HeaderBlock.IsHttp2Text(text) ? Http2HeaderBlock.ParseResponse(text) : HttpResponseHead.Parse(HeadBytes(text));
                if (parsed.Status == HttpParseStatus.Invalid)
                {
                    return ([parsed.Problem!], null);
                }
                if (parsed.Head is not { } head)
                {
                    return ([], null);
                }
                status = head.StatusCode;
                var result = ClientHandshake.Validate(offer, head, transcript.ResponseBody);
                return (result.Problems.ToList(), result);
            });
            var verdict = judged.State;
            if (status is int code && verdict is not null)
            {
                if (!offer.IsKnown && transcript.RequestText is null)
                {
                    notes.Add("Only a response was given: Sec-WebSocket-Accept, the subprotocol and the extensions cannot be checked without the request's key and offers. Paste the request too.");
                }
                else if (!offer.IsKnown)
                {
                    notes.Add("The request could not be parsed, so Sec-WebSocket-Accept, the subprotocol and the extensions cannot be checked against it.");
                }
                else if (offer.Key is null && code == 101)
                {
                    notes.Add("The request has no Sec-WebSocket-Key, so the accept value cannot be checked.");
                }
                subprotocol = verdict.Subprotocol;
                extensions = verdict.Extensions;
            }
            problems.AddRange(judged.Problems.Select(p => new DiagnosedProblem(HandshakePart.Response, p)));
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
    /// Judges one head with <paramref name="judge"/>. A head the text ended inside (no empty line after it) is judged
    /// twice: as given, and, when that finds problems, once more on its complete lines only. Then the problems a cut
    /// can cause by itself (headers reported missing, a fragment of a line) are left out, and <c>truncated-head</c>,
    /// naming the last complete line and what was not judged, comes first.
    /// </summary>
    private static (IReadOnlyList<HandshakeProblem> Problems, T State) JudgeHead<T>(string text, HttpHeadEnd end, string part, List<string> notes,
        Func<string, (List<HandshakeProblem> Problems, T State)> judge)
    {
        var asGiven = judge(text);
        if (end == HttpHeadEnd.Complete)
        {
            return asGiven;
        }
        bool insideLine = end == HttpHeadEnd.InsideLine;
        if (asGiven.Problems.Count == 0)
        {
            notes.Add($"The {part} has no empty line after its last header, and was judged as complete. If it comes from a capture, the " +
                "connection may have closed in the middle of the head.");
            return asGiven;
        }
        string completeLines = insideLine ? IncompleteHead.WithoutLastLine(text) : text;
        var (problems, state) = completeLines.Length == 0 ? ([], asGiven.State) : judge(completeLines);
        var hidden = problems.Where(IncompleteHead.MayBeHiddenByTheCut).ToList();
        if (hidden.Count == 0 && !insideLine)
        {
            notes.Add($"The {part} has no empty line after its last header: if it comes from a capture, the connection may have closed in the " +
                "middle of the head. The problems above stand whatever followed.");
            return asGiven;
        }
        List<HandshakeProblem> kept = [IncompleteHead.ForCapture(part, text, insideLine, hidden), .. problems.Where(p => !IncompleteHead.MayBeHiddenByTheCut(p))];
        return (kept, state);
    }

    /// <summary>
    /// The bytes of a pasted head. The parser reads header bytes as Latin-1, so text that fits Latin-1 is encoded
    /// that way and quoted back exactly as pasted; text beyond it was UTF-8 on the wire, and goes back to UTF-8.
    /// </summary>
    private static byte[] HeadBytes(string text) =>
        text.AsSpan().ContainsAnyExceptInRange('\0', '\xff') ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text);
}
