using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// A head that ended before its empty line: the connection closed in the middle of it, or the capture stopped
/// there. RFC 9112 §2.1 ends a head with an empty line; whatever came before it may be only a part. So the cut is
/// said first, with the last complete line, and nothing the cut may hide is judged: a header that "is missing"
/// may simply be in the part that never came, and the last line, when the text ends inside it, may be a fragment.
/// </summary>
internal static class IncompleteHead
{
    /// <summary>
    /// True for a problem that a cut can produce on its own: a header reported absent (it may be after the cut).
    /// A wrong value on a complete line, or the status, stands whatever follows.
    /// </summary>
    public static bool MayBeHiddenByTheCut(HandshakeProblem problem) =>
        problem.Line is null && problem.Code is HandshakeProblemCode.PlainHttpRequest or HandshakeProblemCode.MissingHost
            or HandshakeProblemCode.MissingUpgrade or HandshakeProblemCode.ConnectionNotUpgrade or HandshakeProblemCode.MissingKey
            or HandshakeProblemCode.MissingVersion or HandshakeProblemCode.MissingAccept;

    /// <summary>The head's text without its last line, which the text ended inside (the head's final empty line kept).</summary>
    public static string WithoutLastLine(string headText)
    {
        var lines = Lines(headText);
        return lines.Count <= 1 ? "" : string.Concat(lines.Take(lines.Count - 1).Select(l => l + "\r\n")) + "\r\n";
    }

    /// <summary>The lines of a head's text, without the empty line that closes it.</summary>
    public static List<string> Lines(string headText)
    {
        var lines = headText.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines;
    }

    /// <summary>
    /// The <c>truncated-head</c> problem for a head given as text (a capture being diagnosed): it names the last complete
    /// line, the cut line when the text ends inside one, and the problems left unjudged because of the cut.
    /// </summary>
    /// <param name="part">"request" or "response".</param>
    /// <param name="headText">The head as taken from the transcript.</param>
    /// <param name="endsInsideLine">The text ends inside the last line (no line end after it).</param>
    /// <param name="notJudged">Problems the cut may have caused, left out of the report.</param>
    public static HandshakeProblem ForCapture(string part, string headText, bool endsInsideLine, IEnumerable<HandshakeProblem> notJudged)
    {
        var lines = Lines(headText);
        int complete = endsInsideLine ? lines.Count - 1 : lines.Count;
        var evidence = new StringBuilder(LastCompleteLine(lines, complete));
        if (endsInsideLine && lines.Count > 0)
        {
            evidence.Append($"; line {lines.Count} was cut: {HandshakeProblem.Visible(lines[^1])}");
        }
        var skipped = notJudged.Select(p => p.Id).Distinct(StringComparer.Ordinal).ToList();
        if (skipped.Count > 0)
        {
            evidence.Append("; not judged, since the missing part may hold what they miss: ").Append(string.Join(", ", skipped));
        }
        return new HandshakeProblem(HandshakeProblemCode.TruncatedHead, part, $"a complete {part} head ending in an empty line",
            endsInsideLine ? $"the text ends inside line {lines.Count}" : $"the text ends after line {complete}, with no empty line")
        {
            Line = endsInsideLine ? lines.Count : null,
            Evidence = evidence.ToString(),
            Explanation = $"The {part} ends before the empty line that closes its head: the connection closed, or the capture stopped, in the " +
                "middle of it. Headers after the cut never arrived, so the ones that seem missing are not reported; what the complete lines show is.",
        };
    }

    /// <summary>The <c>truncated-head</c> problem for a response whose connection ended after <paramref name="received"/> bytes.</summary>
    public static HandshakeProblem ForConnection(ReadOnlySpan<byte> received, long totalBytes)
    {
        if (totalBytes == 0)
        {
            return new HandshakeProblem(HandshakeProblemCode.TruncatedHead, "response", "a complete response head ending in an empty line",
                "the connection closed before any byte of a response")
            {
                Evidence = "the server accepted the TCP connection and closed it without answering",
            };
        }
        // The parser reads header bytes as Latin-1; the bytes here are at most one head's limit.
        string text = Encoding.Latin1.GetString(received);
        bool endsInsideLine = !text.EndsWith('\n');
        var lines = Lines(text);
        int complete = endsInsideLine ? lines.Count - 1 : lines.Count;
        string evidence = LastCompleteLine(lines, complete)
            + (endsInsideLine && lines.Count > 0 ? $"; line {lines.Count} was cut: {HandshakeProblem.Visible(Clip(lines[^1]))}" : "; the empty line that ends the head never came");
        return new HandshakeProblem(HandshakeProblemCode.TruncatedHead, "response", "a complete response head ending in an empty line",
            $"{totalBytes} bytes, then the connection closed")
        {
            Evidence = evidence,
            Explanation = "The server closed the connection in the middle of its response head, before the empty line that ends it: it crashed, " +
                "timed out, or a proxy between cut the connection.",
        };
    }

    private static string LastCompleteLine(List<string> lines, int complete) =>
        complete <= 0 ? "no line is complete" : $"the last complete line is line {complete}: {HandshakeProblem.Visible(Clip(lines[complete - 1]))}";

    private static string Clip(string line) => line.Length <= 120 ? line : line[..120] + "…";
}
