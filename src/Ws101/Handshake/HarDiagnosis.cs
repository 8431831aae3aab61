using System.Text;
using System.Text.RegularExpressions;

namespace Ws101.Handshake;

/// <summary>
/// Diagnoses the WebSocket upgrades of a HAR as <see cref="HarReader"/> hands over its entries: it recognises an upgrade
/// by its request (an Upgrade: websocket or Sec-WebSocket-* header, an extended CONNECT with :protocol, or a ws:// or
/// wss:// URL), never by a field only one browser writes, and diagnoses each one at once, keeping its verdict only. An
/// RFC 8441 upgrade (HTTP/2) is valid with a 2xx and no Sec-WebSocket-Accept. Cookie, Set-Cookie, Authorization and
/// Proxy-Authorization values, and token-like query parameters, are masked in everything it keeps.
/// </summary>
internal sealed partial class HarDiagnosis
{
    /// <summary>The most WebSocket entries listed; more are counted.</summary>
    public const int MaxListed = 1000;

    /// <summary>The most failed entries whose request and response text are kept for the details.</summary>
    public const int MaxDetailed = 50;

    private static readonly string[] SecretHeaders = ["Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization"];

    [GeneratedRegex(@"(?<=[?&](?:[A-Za-z0-9_.-]*(?:token|auth|key|secret|password|passwd|session|sig|signature|jwt|ticket)[A-Za-z0-9_.-]*)=)[^&#]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretQueryValue();

    private readonly List<HarEntryVerdict> _verdicts = [];
    private int _webSockets;
    private int _failed;
    private int _detailed;

    /// <summary>Every entry the reader read.</summary>
    public int TotalEntries { get; private set; }

    /// <summary>Takes one entry from the reader: diagnoses it when it is a WebSocket upgrade, drops it otherwise.</summary>
    public void Add(HarEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        TotalEntries++;
        if (!IsWebSocketUpgrade(entry))
        {
            return;
        }
        _webSockets++;
        var verdict = Diagnose(entry, null);
        if (!verdict.IsValid)
        {
            _failed++;
            // Keep the details of the first failures only: their text is what a person reads, and memory stays bounded.
            if (++_detailed > MaxDetailed)
            {
                verdict.RequestText = verdict.ResponseText = null;
            }
        }
        else
        {
            verdict.RequestText = verdict.ResponseText = null;
        }
        if (_verdicts.Count < MaxListed)
        {
            _verdicts.Add(verdict);
        }
    }

    /// <summary>The report, once the reader has read the whole file.</summary>
    public HarReport Finish(HarReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new HarReport(reader.CreatorName, reader.CreatorVersion, reader.BrowserName, reader.BrowserVersion, TotalEntries, _webSockets, _failed,
            _verdicts, reader.BytesRead, reader.PeakBufferedBytes);
    }

    /// <summary>True when the entry's request is a WebSocket upgrade, over HTTP/1.1 (RFC 6455 §4.1) or HTTP/2 (RFC 8441 §4).</summary>
    public static bool IsWebSocketUpgrade(HarEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (var (name, value) in entry.RequestHeaders)
        {
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) && HttpTokenList.Split(value).Any(t => t.Equals("websocket", StringComparison.OrdinalIgnoreCase))
                || name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase)
                || name == ":protocol" && value.Equals("websocket", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return entry.Url is { } url && (url.StartsWith("ws://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("wss://", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Diagnoses one WebSocket entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="browser">"Chromium" or "Firefox"; null to guess from the entry (Firefox writes no _resourceType).</param>
    public static HarEntryVerdict Diagnose(HarEntry entry, string? browser)
    {
        ArgumentNullException.ThrowIfNull(entry);
        browser ??= entry.ResourceType is null && entry.Messages is null ? "Firefox" : "Chromium";
        var masked = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        string url = MaskQuery(entry.Url ?? "");
        string probeUrl = BrowserErrors.ProbeUrl(url);
        bool http2 = IsHttp2(entry);
        bool responded = entry.Status is > 0;
        var problems = new List<DiagnosedProblem>();
        var notes = new List<string>();
        string? requestText = RequestText(entry, url, http2, masked);
        string? responseText = responded ? ResponseText(entry, http2, masked) : null;

        if (http2)
        {
            CheckHttp2(entry, responded, problems, notes);
        }
        else if (responded)
        {
            string body = entry.Status != 101 && !string.IsNullOrEmpty(entry.BodyPreview) ? entry.BodyPreview : "";
            var report = HandshakeDiagnoser.Diagnose(Bounded((requestText ?? "") + responseText + body));
            problems.AddRange(report.Problems);
            notes.AddRange(report.Notes.Where(n => !n.StartsWith("Only a request", StringComparison.Ordinal)));
        }
        else if (requestText is not null)
        {
            // Only the request was recorded: it is still checked as a server would.
            problems.AddRange(HandshakeDiagnoser.Diagnose(Bounded(requestText)).Problems);
        }

        // The browser's own words: Playwright's _failureText, DevTools' _error and its "error" frames.
        var explained = new[] { entry.FailureText, entry.Error }.Concat(entry.Messages?.Errors ?? []).OfType<string>()
            .Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Select(t => BrowserErrors.Explain(browser, t, url)).ToList();
        BrowserError? said = explained.FirstOrDefault(e => e.Problem is not null) ?? explained.FirstOrDefault();
        // The browser's verdict counts when the recorded headers show nothing wrong: no response was recorded, or the
        // handshake was fine and the connection failed afterwards.
        if (said?.Problem is { } browserProblem && problems.Count == 0)
        {
            // A refusal is most often about the Origin: the recorded request says which one the browser sent.
            if (browserProblem.Code == HandshakeProblemCode.Forbidden && entry.RequestHeaders.FirstOrDefault(h => h.Name.Equals("Origin", StringComparison.OrdinalIgnoreCase)).Value is { } origin)
            {
                browserProblem = browserProblem with { Evidence = $"the request sent Origin: {origin}; {browserProblem.Evidence}" };
                said = said with { Problem = browserProblem };
            }
            problems.Add(new DiagnosedProblem(HandshakePart.Response, browserProblem));
        }
        if (!responded && said is null)
        {
            notes.Add("The browser recorded neither a response nor an error for this upgrade (it may still have been connecting when the HAR was saved).");
        }
        if (entry.RequestHeadersTruncated || entry.ResponseHeadersTruncated)
        {
            notes.Add($"Only the first {HarEntry.MaxHeaders} headers ({HarEntry.MaxHeaderChars / 1024} KiB) of the {(entry.RequestHeadersTruncated ? "request" : "response")} were read.");
        }
        return new HarEntryVerdict
        {
            Index = entry.Index,
            Url = url,
            ProbeUrl = probeUrl,
            StartedDateTime = entry.StartedDateTime,
            HttpVersion = http2 ? "h2" : "HTTP/1.1",
            IsHttp2 = http2,
            Status = responded ? entry.Status : null,
            Problems = problems,
            Notes = notes,
            BrowserError = said,
            Messages = entry.Messages,
            RequestText = requestText,
            ResponseText = responseText,
            MaskedHeaders = [.. masked],
        };
    }

    /// <summary>RFC 8441: an HTTP/2 (or HTTP/3) entry, or an extended CONNECT, is not an HTTP/1.1 upgrade.</summary>
    private static bool IsHttp2(HarEntry entry)
    {
        static bool Is2(string? version) => version is not null && (version.StartsWith("h2", StringComparison.OrdinalIgnoreCase)
            || version.StartsWith("h3", StringComparison.OrdinalIgnoreCase) || version.StartsWith("HTTP/2", StringComparison.OrdinalIgnoreCase)
            || version.StartsWith("HTTP/3", StringComparison.OrdinalIgnoreCase));
        return Is2(entry.RequestHttpVersion) || Is2(entry.ResponseHttpVersion)
            || string.Equals(entry.Method, "CONNECT", StringComparison.OrdinalIgnoreCase)
            || entry.RequestHeaders.Any(h => h.Name == ":protocol");
    }

    /// <summary>
    /// RFC 8441 §4-5: the request is a CONNECT with :protocol websocket and Sec-WebSocket-Version 13; a 2xx accepts it,
    /// with no Sec-WebSocket-Key or Sec-WebSocket-Accept anywhere.
    /// </summary>
    private static void CheckHttp2(HarEntry entry, bool responded, List<DiagnosedProblem> problems, List<string> notes)
    {
        string? protocol = entry.RequestHeaders.FirstOrDefault(h => h.Name == ":protocol").Value;
        if (protocol is not null && !protocol.Equals("websocket", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new DiagnosedProblem(HandshakePart.Request, new HandshakeProblem(HandshakeProblemCode.UpgradeNotWebSocket, ":protocol", "websocket", protocol)));
        }
        var versions = entry.RequestHeaders.Where(h => h.Name.Equals("Sec-WebSocket-Version", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        if (versions.Count > 0 && (versions.Count > 1 || versions[0] != ServerHandshake.SupportedVersion))
        {
            problems.Add(new DiagnosedProblem(HandshakePart.Request, new HandshakeProblem(HandshakeProblemCode.UnsupportedVersion,
                KnownHeaderNames.SecWebSocketVersion, ServerHandshake.SupportedVersion, string.Join(", ", versions))));
        }
        if (responded && entry.Status is not (>= 200 and < 300))
        {
            var head = new StringBuilder($"HTTP/1.1 {entry.Status} {HttpStatusText.ReasonPhrase(entry.Status!.Value)}\r\n");
            foreach (var (name, value) in entry.ResponseHeaders.Where(h => !h.Name.StartsWith(':') && HttpTokenList.IsToken(h.Name)))
            {
                head.Append(name).Append(": ").Append(OneLine(value)).Append("\r\n");
            }
            var parsed = HttpResponseHead.Parse(Encoding.UTF8.GetBytes(Bounded(head.Append("\r\n").ToString())));
            if (parsed.Head is not { } response || entry.Status is > 999)
            {
                // A status HTTP cannot carry, or headers that do not parse: still a refusal, and said so.
                problems.Add(new DiagnosedProblem(HandshakePart.Response, new HandshakeProblem(HandshakeProblemCode.UnexpectedStatus, "status line",
                    "a 2xx (200) answer to the extended CONNECT (RFC 8441 §5)", $"HTTP/2 {entry.Status}") { Evidence = parsed.Problem?.ToString() }));
            }
            else
            {
                string? origin = entry.RequestHeaders.FirstOrDefault(h => h.Name.Equals("Origin", StringComparison.OrdinalIgnoreCase)).Value;
                var problem = ClientHandshake.StatusProblem(HandshakeOffer.Unknown with { Origin = origin }, response,
                    string.IsNullOrEmpty(entry.BodyPreview) ? null : entry.BodyPreview, "a 2xx (200) answer to the extended CONNECT (RFC 8441 §5)");
                problems.Add(new DiagnosedProblem(HandshakePart.Response, problem with { Actual = $"HTTP/2 {entry.Status}" }));
            }
        }
        notes.Add("An RFC 8441 upgrade (WebSocket over HTTP/2): an extended CONNECT answered with 200. It has no Sec-WebSocket-Key and no " +
            "Sec-WebSocket-Accept to check.");
    }

    private static string? RequestText(HarEntry entry, string url, bool http2, SortedSet<string> masked)
    {
        if (entry.RequestHeaders.Count == 0)
        {
            return null;
        }
        string target = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.PathAndQuery : "/";
        var sb = new StringBuilder();
        sb.Append(http2 ? $"{entry.Method ?? "CONNECT"} {target} HTTP/2\r\n" : $"{entry.Method ?? "GET"} {target} {Http1Version(entry.RequestHttpVersion)}\r\n");
        AppendHeaders(sb, entry.RequestHeaders, http2, masked);
        return sb.Append("\r\n").ToString();
    }

    private static string ResponseText(HarEntry entry, bool http2, SortedSet<string> masked)
    {
        var sb = new StringBuilder();
        sb.Append(http2 ? "HTTP/2" : Http1Version(entry.ResponseHttpVersion)).Append(' ').Append(entry.Status)
            .Append(' ').Append(string.IsNullOrEmpty(entry.StatusText) ? HttpStatusText.ReasonPhrase(entry.Status ?? 0) : OneLine(entry.StatusText)).Append("\r\n");
        AppendHeaders(sb, entry.ResponseHeaders, http2, masked);
        return sb.Append("\r\n").ToString();
    }

    private static void AppendHeaders(StringBuilder sb, List<HarHeader> headers, bool http2, SortedSet<string> masked)
    {
        foreach (var (name, value) in headers)
        {
            // HTTP/1.1 heads have no pseudo-headers; Chromium may list them for an h2 entry only.
            if (!http2 && name.StartsWith(':'))
            {
                continue;
            }
            sb.Append(FieldName(name, http2)).Append(": ").Append(Mask(name, OneLine(value), masked)).Append("\r\n");
        }
    }

    /// <summary>
    /// A header's name as shown: as recorded when it is a token (RFC 9110 §5.1: "field-name = token"; and, in an HTTP/2
    /// entry, a pseudo-header), else quoted, so that a crafted name cannot pass for another header in the text (the fuzzing
    /// campaign's har target found a name "Cookie: Unee" printing as an unmasked Cookie line) or start a line of its own.
    /// </summary>
    private static string FieldName(string name, bool http2)
    {
        var token = http2 && name.StartsWith(':') ? name.AsSpan(1) : name.AsSpan();
        return HttpTokenList.IsToken(token) ? name : "\"" + OneLine(name).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The value to show for a header: secrets masked, with their length, and an Authorization's scheme kept.</summary>
    private static string Mask(string name, string value, SortedSet<string> masked)
    {
        if (!SecretHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return value;
        }
        masked.Add(SecretHeaders.First(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)));
        if (name.EndsWith("Authorization", StringComparison.OrdinalIgnoreCase) && value.IndexOf(' ') is > 0 and var space)
        {
            return $"{value[..space]} (masked: {value.Length - space - 1} characters)";
        }
        return $"(masked: {value.Length} characters)";
    }

    /// <summary>Masks the values of query parameters named like credentials (token, key, auth, session, …).</summary>
    private static string MaskQuery(string url) => url.Contains('?', StringComparison.Ordinal) ? SecretQueryValue().Replace(url, "(masked)") : url;

    /// <summary>A recorded value on one line: a CR or LF in it shows as \r or \n, so that it cannot start a header of its own.</summary>
    private static string OneLine(string value) =>
        value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
            ? value.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) : value;

    private static string Http1Version(string? version) =>
        version is not null && version.StartsWith("HTTP/1.", StringComparison.OrdinalIgnoreCase) && version.Length == 8 ? version.ToUpperInvariant() : "HTTP/1.1";

    private static string Bounded(string text) =>
        text.Length <= HandshakeDiagnoser.MaxTranscriptLength ? text : text[..HandshakeDiagnoser.MaxTranscriptLength];
}
