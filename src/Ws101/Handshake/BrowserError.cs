namespace Ws101.Handshake;

/// <summary>
/// A WebSocket failure as a browser reports it (a DevTools console line, or the error a HAR records), explained: what
/// the browser saw, the problem it points to, and what to run next.
/// </summary>
/// <param name="Browser">"Chromium" (Chrome, Edge and every Chromium browser print the same words) or "Firefox".</param>
/// <param name="Url">The WebSocket URL the message names, when it names one.</param>
/// <param name="Message">The browser's own words about the failure (for Chromium, what follows "failed: ").</param>
/// <param name="Saw">What the browser saw, in plain words.</param>
/// <param name="Problem">The problem the message points to, or null when the browser does not say enough to name one.</param>
internal sealed record BrowserError(string Browser, string? Url, string Message, string Saw, HandshakeProblem? Problem)
{
    /// <summary>What to run next: <c>ws101 probe URL</c>, which performs the handshake and shows what the browser hides.</summary>
    public string NextStep => Url is null
        ? "Run `ws101 probe ws://HOST:PORT/PATH` with the WebSocket's URL: it performs the same handshake and shows the whole response, annotated."
        : $"Run `ws101 probe {Url}`: it performs the same handshake and shows the whole response, annotated, with the cause.";
}
