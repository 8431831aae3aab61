using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// The text form of an HTTP/2 header block (RFC 9113 §4.3) in a transcript: one <c>name: value</c> line per field,
/// the pseudo-header fields first (<c>:method: CONNECT</c>, <c>:protocol: websocket</c>, …, or <c>:status: 200</c>),
/// ended by an empty line. HTTP/2 has no request or status line; this is how <c>nghttp -v</c>, curl and browsers show
/// it, how our client's <see cref="WebSocketHandshakeException"/> carries an RFC 8441 handshake, and what
/// <c>ws101 diagnose</c> reads back. Pure functions with the same limits as the HTTP/1.1 parser.
/// </summary>
internal static class Http2HeaderBlock
{
    private static readonly string[] RequestPseudoFields =
        [ExtendedConnect.MethodField, ExtendedConnect.ProtocolField, ExtendedConnect.SchemeField, ExtendedConnect.AuthorityField, ExtendedConnect.PathField];

    /// <summary>True when a transcript's head is in this form: its first line is a pseudo-header field.</summary>
    public static bool IsHttp2Text(string? head) => head is not null && head.TrimStart().StartsWith(':');

    /// <summary>The block as text: each field on a line of its own, then an empty line.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var sb = new StringBuilder(256);
        foreach (var (name, value) in fields)
        {
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        return sb.Append("\r\n").ToString();
    }

    /// <summary>Parses a request block: its pseudo-header fields make the request's method and target.</summary>
    public static HttpParseResult<HttpRequestHead> ParseRequest(string text, HttpParseLimits? limits = null)
    {
        if (!TryReadFields(text, limits ?? HttpParseLimits.Default, RequestPseudoFields, out var fields, out var problem))
        {
            return HttpParseResult<HttpRequestHead>.Invalid(problem!);
        }
        string? method = Value(fields, ExtendedConnect.MethodField);
        if (method is null || !HttpTokenList.IsToken(method))
        {
            return HttpParseResult<HttpRequestHead>.Invalid(new HandshakeProblem(HandshakeProblemCode.MalformedRequestLine, ExtendedConnect.MethodField,
                ":method: CONNECT", method is null ? "no :method" : HandshakeProblem.Visible(method))
            { Line = 1, Evidence = "an HTTP/2 request names its method in the :method pseudo-header field (RFC 9113 §8.3.1)" });
        }
        string? path = Value(fields, ExtendedConnect.PathField);
        if (path is not null && (path.Length == 0 || path.AsSpan().IndexOfAnyInRange('\0', ' ') >= 0))
        {
            return HttpParseResult<HttpRequestHead>.Invalid(new HandshakeProblem(HandshakeProblemCode.MalformedRequestLine, ExtendedConnect.PathField,
                ":path: /chat", HandshakeProblem.Visible(path)) { Line = fields.First(f => f.Name == ExtendedConnect.PathField).Line });
        }
        return HttpParseResult<HttpRequestHead>.Complete(
            HttpRequestHead.Create(method, path ?? "/", ExtendedConnect.Http2, fields), Encoding.UTF8.GetByteCount(text));
    }

    /// <summary>Parses a response block: <c>:status</c> first, three digits.</summary>
    public static HttpParseResult<HttpResponseHead> ParseResponse(string text, HttpParseLimits? limits = null)
    {
        if (!TryReadFields(text, limits ?? HttpParseLimits.Default, [ExtendedConnect.StatusField], out var fields, out var problem))
        {
            return HttpParseResult<HttpResponseHead>.Invalid(problem!);
        }
        string? status = Value(fields, ExtendedConnect.StatusField);
        // RFC 9113 §8.3.2: ":status" carries the HTTP status code field; a response without it is malformed.
        if (status is not { Length: 3 } || !status.All(char.IsAsciiDigit) || status[0] == '0')
        {
            return HttpParseResult<HttpResponseHead>.Invalid(new HandshakeProblem(HandshakeProblemCode.MalformedStatusLine, ExtendedConnect.StatusField,
                ":status: 200", status is null ? "no :status" : HandshakeProblem.Visible(status))
            { Line = 1, Evidence = "an HTTP/2 response carries its status code in the :status pseudo-header field (RFC 9113 §8.3.2)" });
        }
        int code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
        return HttpParseResult<HttpResponseHead>.Complete(HttpResponseHead.CreateHttp2(code, new HttpHeaders(fields)), Encoding.UTF8.GetByteCount(text));
    }

    private static string? Value(List<HttpHeaderField> fields, string name)
    {
        foreach (var f in fields)
        {
            if (f.Name == name)
            {
                return f.Value;
            }
        }
        return null;
    }

    /// <summary>
    /// Reads the lines up to the first empty one. RFC 9113 §8.3: pseudo-header fields come before every regular field,
    /// each at most once, and only those defined for the message; a block that breaks this is malformed.
    /// </summary>
    private static bool TryReadFields(string text, HttpParseLimits limits, string[] allowedPseudo, out List<HttpHeaderField> fields, out HandshakeProblem? problem)
    {
        fields = [];
        problem = null;
        if (Encoding.UTF8.GetByteCount(text) > limits.MaxHeadBytes)
        {
            problem = new HandshakeProblem(HandshakeProblemCode.HeadTooLarge, "header block", $"at most {limits.MaxHeadBytes} bytes", $"{text.Length} characters");
            return false;
        }
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool regularSeen = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int number = i + 1;
            if (line.Length == 0)
            {
                break;
            }
            if (line.Length > limits.MaxLineLength)
            {
                problem = new HandshakeProblem(HandshakeProblemCode.LineTooLong, $"line {number}", $"at most {limits.MaxLineLength} bytes", $"{line.Length} characters") { Line = number };
                return false;
            }
            if (fields.Count == limits.MaxHeaderCount + RequestPseudoFields.Length)
            {
                problem = new HandshakeProblem(HandshakeProblemCode.TooManyHeaders, "header block", $"at most {limits.MaxHeaderCount} fields", "more") { Line = number };
                return false;
            }
            bool pseudo = line.StartsWith(':');
            int colon = line.IndexOf(':', pseudo ? 1 : 0);
            string name = colon > 0 ? line[..colon] : "";
            string value = colon > 0 ? line[(colon + 1)..].Trim(' ', '\t') : "";
            if (colon <= (pseudo ? 1 : 0) || !HttpTokenList.IsToken(pseudo ? name[1..] : name) || HttpTokenList.IndexOfInvalidValueChar(value) >= 0)
            {
                problem = new HandshakeProblem(HandshakeProblemCode.MalformedHeader, $"line {number}", "name: value", HandshakeProblem.Visible(line)) { Line = number };
                return false;
            }
            if (pseudo)
            {
                string? why = regularSeen ? "a pseudo-header field after a regular field"
                    : !allowedPseudo.Contains(name, StringComparer.Ordinal) ? $"{name} is not a pseudo-header field of this message"
                    : fields.Any(f => f.Name == name) ? $"{name} appears twice"
                    : null;
                if (why is not null)
                {
                    problem = new HandshakeProblem(HandshakeProblemCode.MalformedHeader, name, "each pseudo-header field once, before the regular fields (RFC 9113 §8.3)",
                        HandshakeProblem.Visible(line)) { Line = number, Evidence = why };
                    return false;
                }
            }
            else
            {
                regularSeen = true;
            }
            fields.Add(new HttpHeaderField(name, value, number));
        }
        return true;
    }
}
