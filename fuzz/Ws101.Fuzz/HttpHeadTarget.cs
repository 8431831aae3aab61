using System.Text;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// The HTTP/1.1 head parser (request and response) under its limits. Input: one option byte (low 2 bits: the limits;
/// the rest: where to cut the bytes into two segments), then the head bytes.
/// </summary>
/// <remarks>
/// No exception is expected: a bad head is an <see cref="HttpParseStatus.Invalid"/> result with a problem. Checked: a
/// complete head stays within the limits and consumed no more than it was given; a span and a two-segment sequence of
/// the same bytes give the same result; a prefix of a complete head needs more data (the server parses again as bytes
/// arrive, so a head must not complete early or fail on a prefix).
/// </remarks>
internal static class HttpHeadTarget
{
    // The defaults, small limits that the fuzzer can reach, and the smallest allowed.
    private static readonly HttpParseLimits[] Limits =
    [
        HttpParseLimits.Default,
        HttpParseLimits.Default,
        new() { MaxLineLength = 48, MaxHeaderCount = 4, MaxHeadBytes = 160 },
        new() { MaxLineLength = 1, MaxHeaderCount = 0, MaxHeadBytes = 1 },
    ];

    public static void Request(ReadOnlySpan<byte> input) => Run(input, request: true);

    public static void Response(ReadOnlySpan<byte> input) => Run(input, request: false);

    private static void Run(ReadOnlySpan<byte> input, bool request)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        var limits = Limits[options & 3];
        byte[] head = fuzz.Rest.ToArray();

        string whole = Parse(head, limits, request, out int consumed, out var status);
        Invariant.Holds(consumed <= head.Length && consumed <= limits.MaxHeadBytes, $"consumed {consumed} of {head.Length} bytes (limit {limits.MaxHeadBytes})");
        if (status == HttpParseStatus.NeedMoreData)
        {
            // A head that needs more data is still within the limit: past it, the parser must have refused it.
            Invariant.Holds(head.Length <= limits.MaxHeadBytes, $"needs more data after {head.Length} bytes, beyond the limit of {limits.MaxHeadBytes}");
        }

        int cut = head.Length == 0 ? 0 : (options >> 2) * head.Length / 64;
        var segmented = Chunks.Sequence([head.AsMemory(0, cut), head.AsMemory(cut)]);
        string split = request ? Describe(HttpRequestHead.Parse(segmented, limits), ShowRequest) : Describe(HttpResponseHead.Parse(segmented, limits), ShowResponse);
        Invariant.Holds(split == whole, $"two segments cut at {cut} gave '{split}', one span gave '{whole}'");

        if (status == HttpParseStatus.Complete && cut < consumed)
        {
            string prefix = Parse(head[..cut], limits, request, out _, out _);
            Invariant.Holds(prefix == "NeedMoreData", $"the first {cut} bytes of a {consumed}-byte head gave '{prefix}'");
        }
    }

    private static string Parse(byte[] head, HttpParseLimits limits, bool request, out int consumed, out HttpParseStatus status)
    {
        if (request)
        {
            var r = HttpRequestHead.Parse(head, limits);
            Check(r, limits, h => h.Headers, h => h.RequestLine.Length);
            consumed = r.BytesConsumed;
            status = r.Status;
            if (r.Head is { } h)
            {
                // The documented claim: the request line is rebuilt exactly from its three parts.
                Invariant.Holds(h.RequestLine == StartLine(head), $"RequestLine '{h.RequestLine}' differs from the line received '{StartLine(head)}'");
                _ = h.Path;
                _ = h.Query;
            }
            return Describe(r, ShowRequest);
        }
        var s = HttpResponseHead.Parse(head, limits);
        Check(s, limits, h => h.Headers, h => h.StatusLine.Length);
        consumed = s.BytesConsumed;
        status = s.Status;
        if (s.Head is { } response)
        {
            Invariant.Holds(response.StatusCode is >= 100 and <= 999, $"status code {response.StatusCode}");
        }
        return Describe(s, ShowResponse);
    }

    private static void Check<T>(HttpParseResult<T> r, HttpParseLimits limits, Func<T, HttpHeaders> headers, Func<T, int> startLineLength) where T : class
    {
        switch (r.Status)
        {
            case HttpParseStatus.Complete:
                Invariant.Holds(r.Head is not null && r.Problem is null && r.BytesConsumed > 0, "a complete result without a head");
                var fields = headers(r.Head!);
                Invariant.Holds(fields.Count <= limits.MaxHeaderCount, $"{fields.Count} headers, limit {limits.MaxHeaderCount}");
                Invariant.Holds(startLineLength(r.Head!) <= limits.MaxLineLength, "a start line longer than the limit");
                foreach (var f in fields.Fields)
                {
                    Invariant.Holds(f.Name.Length + f.Value.Length < limits.MaxLineLength, $"header '{f.Name}' longer than a line may be");
                    Invariant.Holds(f.Line >= 2, $"header '{f.Name}' on line {f.Line}");
                }
                break;
            case HttpParseStatus.Invalid:
                Invariant.Holds(r.Head is null && r.Problem is not null, "an invalid result without a problem");
                // Every problem has a catalog entry: its id and rule are looked up when it is shown.
                _ = r.Problem!.Id;
                _ = r.Problem.ToString();
                break;
            default:
                Invariant.Holds(r.Head is null && r.Problem is null && r.BytesConsumed == 0, "a result that needs more data carries a head or problem");
                break;
        }
    }

    /// <summary>The start line as received: the first line that is not empty, without its line end.</summary>
    private static string StartLine(ReadOnlySpan<byte> head)
    {
        while (true)
        {
            int lf = head.IndexOf((byte)'\n');
            var line = head[..lf];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }
            if (!line.IsEmpty)
            {
                return Encoding.Latin1.GetString(line);
            }
            head = head[(lf + 1)..];
        }
    }

    private static string Describe<T>(HttpParseResult<T> r, Func<T, string> show) where T : class => r.Status switch
    {
        HttpParseStatus.Complete => $"Complete {r.BytesConsumed} {show(r.Head!)}",
        HttpParseStatus.Invalid => $"Invalid {r.Problem!.Id} line {r.Problem.Line} {r.Problem.Evidence}",
        _ => "NeedMoreData",
    };

    private static string ShowRequest(HttpRequestHead h) =>
        $"{h.Method} {h.Target} {h.Version} " + string.Join("|", h.Headers.Fields.ToArray().Select(f => $"{f.Name}={f.Value}@{f.Line}"));

    private static string ShowResponse(HttpResponseHead h) =>
        $"{h.StatusCode} {h.ReasonPhrase} {h.Version} " + string.Join("|", h.Headers.Fields.ToArray().Select(f => $"{f.Name}={f.Value}@{f.Line}"));
}
