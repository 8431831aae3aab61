using System.Buffers;

namespace Ws101.Handshake;

/// <summary>An HTTP/1.1 request head (RFC 9112 §3): request line and header fields.</summary>
internal sealed class HttpRequestHead
{
    private HttpRequestHead(string method, string target, Version version, HttpHeaders headers)
    {
        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
    }

    /// <summary>The request line as received.</summary>
    /// <remarks>Rebuilt on demand from its three parts, which a valid request line joins with single spaces: it is exact.</remarks>
    public string RequestLine => $"{Method} {Target} HTTP/{Version.Major}.{Version.Minor}";

    /// <summary>The method, case-sensitive as HTTP says (<c>GET</c>).</summary>
    public string Method { get; }

    /// <summary>The request target as sent: <c>/chat?room=1</c>, or an absolute URI.</summary>
    public string Target { get; }

    /// <summary>The HTTP version (1.1 for a valid upgrade).</summary>
    public Version Version { get; }

    /// <summary>The header fields in order.</summary>
    public HttpHeaders Headers { get; }

    /// <summary>The path of the target, without the query.</summary>
    public string Path => SplitTarget().Path;

    /// <summary>The query of the target without the leading <c>?</c>, or an empty string.</summary>
    public string Query => SplitTarget().Query;

    private (string Path, string Query) SplitTarget()
    {
        string target = Target;
        // RFC 9112 §3.2.2: absolute-form is allowed; only its path and query matter here.
        if (!target.StartsWith('/') && Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            target = uri.PathAndQuery;
        }
        int q = target.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (target, "") : (target[..q], target[(q + 1)..]);
    }

    /// <summary>
    /// A request head from parts another HTTP server already parsed (ASP.NET Core's request, for one), so that it
    /// can be validated and diagnosed like one read from the wire.
    /// </summary>
    /// <exception cref="ArgumentException">The method is not a token, or the target holds spaces or control characters.</exception>
    public static HttpRequestHead Create(string method, string target, Version version, IEnumerable<HttpHeaderField> headers)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (!HttpTokenList.IsToken(method))
        {
            throw new ArgumentException($"'{method}' is not an HTTP method token.", nameof(method));
        }
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (target.AsSpan().IndexOfAnyInRange('\0', ' ') >= 0)
        {
            throw new ArgumentException("A request target has no spaces or control characters.", nameof(target));
        }
        return new HttpRequestHead(method == "GET" ? "GET" : method, target, version, new HttpHeaders(headers));
    }

    /// <summary>Parses a request head from the start of <paramref name="input"/>.</summary>
    public static HttpParseResult<HttpRequestHead> Parse(ReadOnlySpan<byte> input, HttpParseLimits? limits = null)
    {
        var status = HttpHeadParser.Parse(input, limits ?? HttpParseLimits.Default, "request line", out var raw, out var problem);
        return Finish(status, raw, problem);
    }

    /// <summary>Parses a request head from the start of <paramref name="input"/>, which may span segments.</summary>
    public static HttpParseResult<HttpRequestHead> Parse(in ReadOnlySequence<byte> input, HttpParseLimits? limits = null)
    {
        var status = HttpHeadParser.Parse(input, limits ?? HttpParseLimits.Default, "request line", out var raw, out var problem);
        return Finish(status, raw, problem);
    }

    private static HttpParseResult<HttpRequestHead> Finish(HttpParseStatus status, HttpHeadParser.RawHead raw, HandshakeProblem? problem)
    {
        switch (status)
        {
            case HttpParseStatus.NeedMoreData:
                return HttpParseResult<HttpRequestHead>.NeedMoreData;
            case HttpParseStatus.Invalid:
                return HttpParseResult<HttpRequestHead>.Invalid(problem!);
        }
        if (!TryParseRequestLine(raw.StartLine, out var method, out var target, out var version, out var why))
        {
            return HttpParseResult<HttpRequestHead>.Invalid(new HandshakeProblem(
                HandshakeProblemCode.MalformedRequestLine, "request line", "GET /path HTTP/1.1", HandshakeProblem.Visible(raw.StartLine))
            { Line = 1, Evidence = why });
        }
        return HttpParseResult<HttpRequestHead>.Complete(new HttpRequestHead(method, target, version, raw.Headers), raw.BytesConsumed);
    }

    private static readonly Version NoVersion = new(0, 0);

    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
    private static bool TryParseRequestLine(string line, out string method, out string target, out Version version, out string why)
    {
        method = target = "";
        version = NoVersion;
        int first = line.IndexOf(' ', StringComparison.Ordinal);
        int last = line.LastIndexOf(' ');
        if (first <= 0 || last == first || last == line.Length - 1 || line.AsSpan(first + 1, last - first - 1).Contains(' '))
        {
            bool fewer = first < 0 || last == first;
            why = fewer
                ? "the line has fewer than three parts separated by single spaces"
                : "the line has extra spaces: method, target and version must be separated by exactly one space";
            return false;
        }
        var methodSpan = line.AsSpan(0, first);
        var targetSpan = line.AsSpan(first + 1, last - first - 1);
        var versionSpan = line.AsSpan(last + 1);
        if (targetSpan.IsEmpty)
        {
            why = "the line has extra spaces: method, target and version must be separated by exactly one space";
            return false;
        }
        if (!HttpTokenList.IsToken(methodSpan))
        {
            why = $"'{methodSpan}' is not a method token";
            return false;
        }
        foreach (char c in targetSpan)
        {
            if (c is <= ' ' or >= '\x7f')
            {
                why = "the request target holds a character that must be percent-encoded";
                return false;
            }
        }
        if (!HttpVersionText.TryParse(versionSpan, out version))
        {
            why = $"'{versionSpan}' is not an HTTP version such as HTTP/1.1";
            return false;
        }
        // Interned: every connection keeps its request head, and nearly all of them say GET.
        method = methodSpan.SequenceEqual("GET") ? "GET" : methodSpan.ToString();
        target = targetSpan.ToString();
        why = "";
        return true;
    }
}
