using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// A captured handshake as a person pastes it: a raw request, a raw response, or both one after the
/// other, with CRLF or bare LF line ends; <c>curl -v</c> output (<c>&gt; </c> and <c>&lt; </c> prefixes) is
/// understood too. Splitting is lenient (a missing final empty line is supplied); judging is not.
/// </summary>
public sealed class HandshakeTranscript
{
    private HandshakeTranscript(string? request, string? response, string? responseBody)
    {
        RequestText = request;
        ResponseText = response;
        ResponseBody = responseBody;
    }

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
        string? request = null;
        string? response = null;
        string? body = null;
        if (!lines[i].StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase))
        {
            request = TakeHead(lines, ref i);
            i = SkipBlank(lines, i);
        }
        if (i < lines.Length && lines[i].StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase))
        {
            response = TakeHead(lines, ref i);
            if (i < lines.Length)
            {
                string rest = string.Join("\n", lines[i..]).Trim();
                body = rest.Length > 0 ? rest : null;
            }
        }
        else if (request is null && i < lines.Length)
        {
            // Neither a request line first nor a status line: keep it as a request so its first line gets diagnosed.
            request = TakeHead(lines, ref i);
        }
        return new HandshakeTranscript(request, response, body);
    }

    private static HandshakeTranscript ParseCurlVerbose(string[] lines)
    {
        var request = new StringBuilder();
        var response = new StringBuilder();
        var body = new StringBuilder();
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
        return new HandshakeTranscript(
            request.Length > 0 ? request.Append("\r\n").ToString() : null,
            response.Length > 0 ? response.Append("\r\n").ToString() : null,
            body.Length > 0 ? body.ToString().Trim() : null);
    }

    private static int SkipBlank(string[] lines, int i)
    {
        while (i < lines.Length && lines[i].Trim().Length == 0)
        {
            i++;
        }
        return i;
    }

    private static string TakeHead(string[] lines, ref int i)
    {
        var sb = new StringBuilder();
        while (i < lines.Length && lines[i].Length > 0 && !(lines[i] == "\r"))
        {
            // Keep a stray CR inside a line: it is evidence. Only the line end itself is normalised.
            sb.Append(lines[i].TrimEnd('\r')).Append("\r\n");
            i++;
        }
        sb.Append("\r\n");
        return sb.ToString();
    }
}
