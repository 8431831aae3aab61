namespace Ws101.Handshake;

/// <summary>
/// The diagnosis of one WebSocket upgrade found in a HAR: the verdict, every problem, what the browser said, the frames'
/// summary, and the request and response as text with secrets masked.
/// </summary>
internal sealed class HarEntryVerdict
{
    /// <summary>The entry's position in <c>log.entries</c>, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>The URL as shown: the recorded one, with the values of token-like query parameters masked.</summary>
    public required string Url { get; init; }

    /// <summary>The URL to give <c>ws101 probe</c> (ws:// or wss://).</summary>
    public required string ProbeUrl { get; init; }

    /// <summary><c>startedDateTime</c>.</summary>
    public string? StartedDateTime { get; init; }

    /// <summary>"HTTP/1.1", or "h2" for an RFC 8441 upgrade over HTTP/2.</summary>
    public required string HttpVersion { get; init; }

    /// <summary>True for an RFC 8441 upgrade (extended CONNECT over HTTP/2).</summary>
    public bool IsHttp2 { get; init; }

    /// <summary>The response status, or null when the browser recorded no response.</summary>
    public int? Status { get; init; }

    /// <summary>True when the upgrade succeeded and nothing after it failed.</summary>
    public bool IsValid => Problems.Count == 0 && Status is not null;

    /// <summary>Every problem found: in the request, the response, or after the handshake.</summary>
    public required IReadOnlyList<DiagnosedProblem> Problems { get; init; }

    /// <summary>What could not be checked and why.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The browser's own words about the failure, explained, when the HAR records them.</summary>
    public BrowserError? BrowserError { get; init; }

    /// <summary>The frames' summary, when the HAR has them (Chromium's <c>_webSocketMessages</c>).</summary>
    public HarMessageSummary? Messages { get; init; }

    /// <summary>The request as text, secrets masked; null when none was recorded or the details are not kept.</summary>
    public string? RequestText { get; set; }

    /// <summary>The response head as text, secrets masked; null when none was recorded or the details are not kept.</summary>
    public string? ResponseText { get; set; }

    /// <summary>The headers whose values were masked (Cookie, Set-Cookie, Authorization, Proxy-Authorization).</summary>
    public required IReadOnlyList<string> MaskedHeaders { get; init; }

    /// <summary>The verdict in one line: "OK", or "FAILED [code] what".</summary>
    public string Summary
    {
        get
        {
            if (Problems.Count > 0)
            {
                var first = Problems[0].Problem;
                string what = BrowserError is { } error && ReferenceEquals(error.Problem, first) ? error.Message
                    : HandshakeProblemCatalog.Get(first.Code).Title + (first.Actual is { Length: <= 80 } actual ? $": {actual}" : "");
                return $"FAILED [{first.Id}] {what}";
            }
            if (Status is null)
            {
                return BrowserError is { } e ? $"FAILED {e.Message}" : "FAILED: no response recorded";
            }
            return IsHttp2 ? "OK (RFC 8441 over HTTP/2)" : "OK";
        }
    }
}
