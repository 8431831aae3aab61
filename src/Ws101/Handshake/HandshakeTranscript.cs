using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// A captured handshake as a person pastes it: a raw request, a raw response, or both one after the
/// other, with CRLF or bare LF line ends; <c>curl -v</c> output (<c>&gt; </c> and <c>&lt; </c> prefixes) is
/// understood too. Splitting is lenient (a missing final empty line is supplied); judging is not, and a head
/// the text ends inside is remembered as such, so that what may have been cut off is not judged.
/// </summary>
internal sealed class HandshakeTranscript
{
    private HandshakeTranscript(string? request, string? response, string? responseBody,
        HttpHeadEnd requestEnd = HttpHeadEnd.Complete, HttpHeadEnd responseEnd = HttpHeadEnd.Complete)
    {
        RequestText = request;
        ResponseText = response;
        ResponseBody = responseBody;
        RequestEnd = request is null ? HttpHeadEnd.Complete : requestEnd;
        ResponseEnd = response is null ? HttpHeadEnd.Complete : responseEnd;
    }

    /// <summary>How the request head ended in the text.</summary>
    internal HttpHeadEnd RequestEnd { get; }

    /// <summary>How the response head ended in the text.</summary>
    internal HttpHeadEnd ResponseEnd { get; }

    /// <summary>The request head's text, ending with an empty line, or null when the transcript has none.</summary>
    public string? RequestText { get; }

    /// <summary>The response head's text, ending with an empty line, or null when the transcript has none.</summary>
    public string? ResponseText { get; }

    /// <summary>Text after the response head, if any (the body of a non-101 answer).</summary>
    public string? ResponseBody { get; }

    /// <summary>Splits a pasted transcript into its request and response.</summary>
    public static HandshakeTranscript Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Any(l => l.StartsWith("> ", StringComparison.Ordinal) || l == ">")
            && lines.Any(l => l.StartsWith("< ", StringComparison.Ordinal) || l == "<"))
        {
            return ParseCurlVerbose(lines);
        }
        int i = SkipBlank(lines, 0);
        if (i >= lines.Length)
        {
            return new HandshakeTranscript(null, null, null);
        }
        if (lines[i].StartsWith(':'))
        {
            return ParseHttp2(lines, i);
        }
        string? request = null;
        string? response = null;
        string? body = null;
        HttpHeadEnd requestEnd = HttpHeadEnd.Complete;
        HttpHeadEnd responseEnd = HttpHeadEnd.Complete;
        if (!lines[i].StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase))
        {
            request = TakeHead(lines, ref i, stopAtStatusLine: true, out requestEnd);
            i = SkipBlank(lines, i);
        }
        if (i < lines.Length && lines[i].StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase))
        {
            response = TakeHead(lines, ref i, stopAtStatusLine: false, out responseEnd);
            if (i < lines.Length)
            {
                string rest = string.Join("\n", lines[i..]).Trim();
                body = rest.Length > 0 ? rest : null;
            }
        }
        else if (request is null && i < lines.Length)
        {
            // Neither a request line first nor a status line: keep it as a request so its first line gets diagnosed.
            request = TakeHead(lines, ref i, stopAtStatusLine: true, out requestEnd);
        }
        return new HandshakeTranscript(request, response, body, requestEnd, responseEnd);
    }

    /// <summary>
    /// An RFC 8441 handshake in the form of <see cref="Http2HeaderBlock"/>: the request's block (from <c>:method</c>),
    /// then the response's (from <c>:status</c>), each ended by an empty line or by the other's first field.
    /// </summary>
    private static HandshakeTranscript ParseHttp2(string[] lines, int i)
    {
        static bool IsStatus(string line) => line.StartsWith(":status", StringComparison.OrdinalIgnoreCase);
        string? request = null;
        string? response = null;
        string? body = null;
        if (!IsStatus(lines[i]))
        {
            var sb = new StringBuilder();
            while (i < lines.Length && lines[i].Length > 0 && !(sb.Length > 0 && IsStatus(lines[i])))
            {
                sb.Append(lines[i++]).Append("\r\n");
            }
            request = sb.Append("\r\n").ToString();
            i = SkipBlank(lines, i);
        }
        if (i < lines.Length && IsStatus(lines[i]))
        {
            // Header blocks are not wire bytes: an empty line after them is optional, so neither is judged as cut off.
            response = TakeHead(lines, ref i, stopAtStatusLine: false, out _);
            string rest = i < lines.Length ? string.Join("\n", lines[i..]).Trim() : "";
            body = rest.Length > 0 ? rest : null;
        }
        return new HandshakeTranscript(request, response, body);
    }

    private static HandshakeTranscript ParseCurlVerbose(string[] lines)
    {
        var request = new StringBuilder();
        var response = new StringBuilder();
        var body = new StringBuilder();
        bool requestEnded = false;
        bool responseEnded = false;
        foreach (var line in lines)
        {
            if (line.StartsWith('>'))
            {
                string content = line.Length > 1 ? line[2..] : "";
                if (content.Length > 0)
                {
                    request.Append(content).Append("\r\n");
                }
                else
                {
                    // curl -v prints "> " alone for the empty line that ends the request head.
                    requestEnded = request.Length > 0;
                }
            }
            else if (line.StartsWith('<'))
            {
                string content = line.Length > 1 ? line[2..] : "";
                if (content.Length == 0)
                {
                    responseEnded = response.Length > 0;
                }
                else
                {
                    response.Append(content).Append("\r\n");
                }
            }
            else if (responseEnded && !line.StartsWith('*') && !line.StartsWith('{') && !line.StartsWith('}'))
            {
                body.Append(line).Append('\n');
            }
        }
        string trimmedBody = body.ToString().Trim();
        return new HandshakeTranscript(
            request.Length > 0 ? request.Append("\r\n").ToString() : null,
            response.Length > 0 ? response.Append("\r\n").ToString() : null,
            trimmedBody.Length > 0 ? trimmedBody : null,
            // curl prints whole lines: a head it shows is cut only at a line end, never inside one.
            requestEnded || response.Length > 0 ? HttpHeadEnd.Complete : HttpHeadEnd.AfterLine,
            responseEnded ? HttpHeadEnd.Complete : HttpHeadEnd.AfterLine);
    }

    private static int SkipBlank(string[] lines, int i)
    {
        while (i < lines.Length && lines[i].Trim().Length == 0)
        {
            i++;
        }
        return i;
    }

    /// <summary>
    /// Takes the lines of one head up to an empty line. A request head also ends at a status line, for a
    /// response pasted right after its request without the empty line between them. <paramref name="end"/> says
    /// whether the head was complete in the text or the text ended inside it (after a line end, or inside a line).
    /// </summary>
    private static string TakeHead(string[] lines, ref int i, bool stopAtStatusLine, out HttpHeadEnd end)
    {
        var sb = new StringBuilder();
        int first = i;
        while (i < lines.Length && lines[i].Length > 0 && !(lines[i] == "\r")
               && !(stopAtStatusLine && i > first && lines[i].StartsWith("HTTP/", StringComparison.Ordinal)))
        {
            // Keep a stray CR inside a line ("\r\r\n"): it is evidence. The CRLF line end was already normalised to LF.
            sb.Append(lines[i]).Append("\r\n");
            i++;
        }
        // Split on LF, text ending in a line end leaves one last empty element: that is not the head's empty line.
        end = i >= lines.Length ? HttpHeadEnd.InsideLine
            : i == lines.Length - 1 && lines[i].Length == 0 ? HttpHeadEnd.AfterLine
            : HttpHeadEnd.Complete;
        sb.Append("\r\n");
        return sb.ToString();
    }
}
