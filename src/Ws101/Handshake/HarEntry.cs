namespace Ws101.Handshake;

/// <summary>
/// The parts of one HAR entry that a WebSocket diagnosis reads, as <see cref="HarReader"/> extracts them: the request
/// and response lines and headers, the start of the response body, the errors the browser recorded, and the summary of
/// the frames. Everything else in the entry (timings, cookies arrays, cache data, bodies beyond a preview) is skipped.
/// </summary>
internal sealed class HarEntry
{
    /// <summary>The most headers kept per request or response; a browser sends about 15 on an upgrade.</summary>
    public const int MaxHeaders = 128;

    /// <summary>The most characters of all the header names and values kept per request or response.</summary>
    public const int MaxHeaderChars = 48 * 1024;

    /// <summary>The most characters of the response body kept, to quote as evidence.</summary>
    public const int MaxBodyPreview = 200;

    /// <summary>The entry's position in <c>log.entries</c>, from 0.</summary>
    public int Index { get; init; }

    /// <summary><c>startedDateTime</c>, as recorded.</summary>
    public string? StartedDateTime { get; set; }

    /// <summary>Chromium's <c>_resourceType</c> ("websocket" for WebSockets); Firefox writes none. Shown, never relied on.</summary>
    public string? ResourceType { get; set; }

    /// <summary><c>request.method</c>.</summary>
    public string? Method { get; set; }

    /// <summary><c>request.url</c> (Firefox may record a wss:// upgrade as https://).</summary>
    public string? Url { get; set; }

    /// <summary><c>request.httpVersion</c> ("HTTP/1.1", "h2", "HTTP/2.0", …).</summary>
    public string? RequestHttpVersion { get; set; }

    /// <summary><c>request.headers</c>.</summary>
    public List<HarHeader> RequestHeaders { get; } = [];

    /// <summary>True when the request had more headers than were kept.</summary>
    public bool RequestHeadersTruncated { get; set; }

    /// <summary><c>response.status</c>; 0 or -1 when no response was recorded.</summary>
    public int? Status { get; set; }

    /// <summary><c>response.statusText</c>.</summary>
    public string? StatusText { get; set; }

    /// <summary><c>response.httpVersion</c>.</summary>
    public string? ResponseHttpVersion { get; set; }

    /// <summary><c>response.headers</c>.</summary>
    public List<HarHeader> ResponseHeaders { get; } = [];

    /// <summary>True when the response had more headers than were kept.</summary>
    public bool ResponseHeadersTruncated { get; set; }

    /// <summary><c>response.content.mimeType</c>.</summary>
    public string? ContentMimeType { get; set; }

    /// <summary>The start of <c>response.content.text</c>, when it is text (not base64).</summary>
    public string? BodyPreview { get; set; }

    /// <summary><c>response._error</c> (DevTools: the network error, such as net::ERR_CONNECTION_REFUSED).</summary>
    public string? Error { get; set; }

    /// <summary><c>response._failureText</c> (Playwright: the browser's message about the failure).</summary>
    public string? FailureText { get; set; }

    /// <summary>The summary of <c>_webSocketMessages</c>, or null when the entry has none.</summary>
    public HarMessageSummary? Messages { get; set; }

    /// <summary>The characters of header text kept so far, against <see cref="MaxHeaderChars"/>.</summary>
    internal int HeaderChars { get; set; }
}
