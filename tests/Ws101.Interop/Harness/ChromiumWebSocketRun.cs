namespace Ws101.Interop.Harness;

/// <summary>What a page saw when it opened one WebSocket: the browser's console lines and the page's own events.</summary>
/// <param name="Console">Every console message, as "type: text" (Chromium logs a failed WebSocket as an error).</param>
/// <param name="Events">The page's WebSocket events: "open", "message TEXT", "error", "close CODE REASON".</param>
public sealed record ChromiumWebSocketRun(IReadOnlyList<string> Console, IReadOnlyList<string> Events)
{
    /// <summary>The console lines about the WebSocket ("WebSocket connection to '…' failed: …"), their text only.</summary>
    public IReadOnlyList<string> WebSocketErrors =>
        [.. Console.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).Where(t => t.StartsWith("WebSocket connection to", StringComparison.Ordinal))];
}
