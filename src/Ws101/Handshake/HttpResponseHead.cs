using System.Buffers;

namespace Ws101.Handshake;

/// <summary>An HTTP/1.1 response head (RFC 9112 §4): status line and header fields.</summary>
internal sealed class HttpResponseHead
{
    private HttpResponseHead(string statusLine, Version version, int statusCode, string reasonPhrase, HttpHeaders headers)
    {
        StatusLine = statusLine;
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers;
    }

    /// <summary>The status line as received.</summary>
    public string StatusLine { get; }

    /// <summary>The HTTP version of the response.</summary>
    public Version Version { get; }

    /// <summary>The three-digit status code.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase, possibly empty.</summary>
    public string ReasonPhrase { get; }

    /// <summary>The header fields in order.</summary>
    public HttpHeaders Headers { get; }

    /// <summary>
    /// The head of an HTTP/2 response (RFC 9113 §8.3.2): no status line, a <c>:status</c> pseudo-header field first in
    /// <paramref name="fields"/>. <see cref="StatusLine"/> reads <c>:status: NNN</c>, as the field is shown.
    /// </summary>
    internal static HttpResponseHead CreateHttp2(int status, HttpHeaders fields) =>
        new($":status: {status}", new Version(2, 0), status, "", fields);

    /// <summary>Parses a response head from the start of <paramref name="input"/>.</summary>
    public static HttpParseResult<HttpResponseHead> Parse(ReadOnlySpan<byte> input, HttpParseLimits? limits = null)
    {
        var status = HttpHeadParser.Parse(input, limits ?? HttpParseLimits.Default, "status line", out var raw, out var problem);
        return Finish(status, raw, problem);
    }

    /// <summary>Parses a response head from the start of <paramref name="input"/>, which may span segments.</summary>
    public static HttpParseResult<HttpResponseHead> Parse(in ReadOnlySequence<byte> input, HttpParseLimits? limits = null)
    {
        var status = HttpHeadParser.Parse(input, limits ?? HttpParseLimits.Default, "status line", out var raw, out var problem);
        return Finish(status, raw, problem);
    }

    private static HttpParseResult<HttpResponseHead> Finish(HttpParseStatus status, HttpHeadParser.RawHead raw, HandshakeProblem? problem)
    {
        switch (status)
        {
            case HttpParseStatus.NeedMoreData:
                return HttpParseResult<HttpResponseHead>.NeedMoreData;
            case HttpParseStatus.Invalid:
                return HttpParseResult<HttpResponseHead>.Invalid(problem!);
        }
        // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
        string line = raw.StartLine;
        string? why = null;
        Version version = new(0, 0);
        int code = 0;
        if (line.Length < 12 || line[8] != ' ' || !HttpVersionText.TryParse(line.AsSpan(0, 8), out version))
        {
            why = line.StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase)
                ? "the version is not HTTP/x.y followed by one space"
                : "the line does not start with HTTP/1.1: the peer may not speak HTTP on this port";
        }
        else if (!char.IsAsciiDigit(line[9]) || !char.IsAsciiDigit(line[10]) || !char.IsAsciiDigit(line[11])
                 || (line.Length > 12 && line[12] != ' '))
        {
            why = "the status code is not three digits";
        }
        else
        {
            code = int.Parse(line.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
            if (code < 100)
            {
                why = "the status code is below 100";
            }
        }
        if (why is not null)
        {
            return HttpParseResult<HttpResponseHead>.Invalid(new HandshakeProblem(
                HandshakeProblemCode.MalformedStatusLine, "status line", "HTTP/1.1 101 Switching Protocols", HandshakeProblem.Visible(line))
            { Line = 1, Evidence = why });
        }
        string reason = line.Length > 13 ? line[13..] : "";
        return HttpParseResult<HttpResponseHead>.Complete(new HttpResponseHead(line, version, code, reason, raw.Headers), raw.BytesConsumed);
    }
}
