using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// A refused upgrade: the problems found, and the exact HTTP response to send back, with a status
/// that names the kind of failure (400, 405, 414, 426, 431, or the application's own) and a short
/// plain-text body that says why.
/// </summary>
internal sealed class HandshakeRejection
{
    private readonly List<KeyValuePair<string, string>> _headers;

    internal HandshakeRejection(int statusCode, string reasonPhrase, IReadOnlyList<HandshakeProblem> problems,
        List<KeyValuePair<string, string>> headers, string body)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Problems = problems;
        _headers = headers;
        Body = body;
    }

    /// <summary>The HTTP status to answer with.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase of the status line.</summary>
    public string ReasonPhrase { get; }

    /// <summary>Every problem found, the one that chose the status first.</summary>
    public IReadOnlyList<HandshakeProblem> Problems { get; }

    /// <summary>Headers besides Content-Type, Content-Length and Connection (Allow, Sec-WebSocket-Version, Upgrade).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The plain-text body: one line per problem.</summary>
    public string Body { get; }

    /// <summary>The whole HTTP response, head and body, as text.</summary>
    public string ToResponseText()
    {
        int length = Encoding.UTF8.GetByteCount(Body);
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(StatusCode).Append(' ').Append(ReasonPhrase).Append("\r\n");
        foreach (var (name, value) in _headers)
        {
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        sb.Append("Content-Type: text/plain; charset=utf-8\r\n");
        sb.Append("Content-Length: ").Append(length).Append("\r\n");
        // RFC 9110 §7.8: a sender of Upgrade also sends the "upgrade" connection option.
        bool upgrade = _headers.Any(h => string.Equals(h.Key, "Upgrade", StringComparison.OrdinalIgnoreCase));
        sb.Append(upgrade ? "Connection: Upgrade, close\r\n\r\n" : "Connection: close\r\n\r\n");
        sb.Append(Body);
        return sb.ToString();
    }

    /// <summary>The whole HTTP response as UTF-8 bytes, ready to write to the socket.</summary>
    public byte[] ToResponseBytes() => Encoding.UTF8.GetBytes(ToResponseText());

    /// <summary>Builds the rejection for a list of problems (the first one chooses the status).</summary>
    public static HandshakeRejection For(IReadOnlyList<HandshakeProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("A rejection needs at least one problem.", nameof(problems));
        }
        var first = problems[0];
        var headers = new List<KeyValuePair<string, string>>();
        (int status, string reason) = first.Code switch
        {
            HandshakeProblemCode.MethodNotGet => (405, "Method Not Allowed"),
            // RFC 9110 §15.5.22 and RFC 6455 §4.2.2: 426 names the protocol and the version to upgrade to.
            HandshakeProblemCode.PlainHttpRequest or HandshakeProblemCode.UnsupportedVersion => (426, "Upgrade Required"),
            HandshakeProblemCode.LineTooLong when first.Line == 1 => (414, "URI Too Long"),
            HandshakeProblemCode.LineTooLong or HandshakeProblemCode.TooManyHeaders or HandshakeProblemCode.HeadTooLarge
                => (431, "Request Header Fields Too Large"),
            _ => (400, "Bad Request"),
        };
        if (status == 405)
        {
            headers.Add(new("Allow", "GET"));
        }
        // RFC 9110 §15.5.22: a server MUST send an Upgrade header field in a 426 response.
        if (status == 426)
        {
            headers.Add(new("Upgrade", "websocket"));
        }
        // RFC 6455 §4.4: tell the client which version this server speaks, so that it can retry with it.
        headers.Add(new("Sec-WebSocket-Version", "13"));
        return new HandshakeRejection(status, reason, problems, headers, FormatBody(status, reason, problems));
    }

    /// <summary>Builds a rejection chosen by the application (a 403 for a foreign Origin, a 401 without credentials).</summary>
    public static HandshakeRejection ByApplication(int statusCode, string reason, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (statusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A rejection's status is a 4xx or 5xx code.");
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var problem = new HandshakeProblem(HandshakeProblemCode.RejectedByApplication, "application", actual: reason)
        {
            Explanation = $"The server's application refused the upgrade: {reason}",
        };
        var list = headers?.ToList() ?? [];
        foreach (var (name, value) in list)
        {
            if (!HttpTokenList.IsToken(name) || HttpTokenList.IndexOfInvalidValueChar(value) >= 0)
            {
                throw new ArgumentException($"Header '{name}' is not a valid header line.", nameof(headers));
            }
            // A second Content-Length or Connection would make the response ambiguous (RFC 9112 §6.3).
            if (FramingHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Header '{name}' frames the response and is set by the rejection itself.", nameof(headers));
            }
        }
        string phrase = HttpStatusText.ReasonPhrase(statusCode);
        return new HandshakeRejection(statusCode, phrase, [problem], list, $"{statusCode} {phrase}: {reason}\n");
    }

    private static readonly string[] FramingHeaders = ["Content-Length", "Content-Type", "Transfer-Encoding", "Connection"];

    private static string FormatBody(int status, string reason, IReadOnlyList<HandshakeProblem> problems)
    {
        var sb = new StringBuilder();
        sb.Append(status).Append(' ').Append(reason).Append(": this is a WebSocket endpoint and the upgrade request was refused.\n");
        foreach (var p in problems)
        {
            sb.Append("- ").Append(p.Id);
            if (p.Subject is not null)
            {
                sb.Append(" (").Append(p.Subject).Append(')');
            }
            sb.Append(": ").Append(p.Explanation);
            if (p.Actual is not null)
            {
                sb.Append(" Received: ").Append(p.Actual).Append('.');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
