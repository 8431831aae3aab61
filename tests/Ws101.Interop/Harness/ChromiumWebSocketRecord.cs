using System.Text.Json;

namespace Ws101.Interop.Harness;

/// <summary>
/// A scripted run of Chromium's WebSocket with Chromium's own record of it: the transcript, the protocol that loaded
/// the page (<c>nextHopProtocol</c>: "h2" or "http/1.1"), and each <c>Network.webSocketHandshakeResponseReceived</c>
/// event of the DevTools protocol (its <c>response</c> has the status Chromium saw: 101 for an HTTP/1.1 upgrade, 200 for
/// an RFC 8441 extended CONNECT on an HTTP/2 stream).
/// </summary>
/// <param name="Transcript">What the page's script saw.</param>
/// <param name="PageProtocol">The page's <c>nextHopProtocol</c>.</param>
/// <param name="Handshakes">The DevTools events, in order.</param>
public sealed record ChromiumWebSocketRecord(PeerTranscript Transcript, string PageProtocol, IReadOnlyList<JsonElement> Handshakes)
{
    /// <summary>The statuses Chromium reports for the WebSocket handshakes.</summary>
    public IReadOnlyList<int> HandshakeStatuses => [.. Handshakes.Select(h => h.GetProperty("response").GetProperty("status").GetInt32())];

    /// <summary>Everything, for a failure message.</summary>
    public string Describe() =>
        $"{Transcript.Describe()}\n    page protocol: {PageProtocol}\n    DevTools handshakes:\n      {string.Join("\n      ", Handshakes.Select(h => h.GetRawText()))}";
}
