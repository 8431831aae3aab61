namespace Ws101.Interop.Harness;

/// <summary>
/// What a Chromium NetLog says about one request that went as a stream of an HTTP/2 session: the header block Chromium
/// sent on that stream (<c>HTTP2_SESSION_SEND_HEADERS</c>, pseudo-header fields first), the one it received on it
/// (<c>HTTP2_SESSION_RECV_HEADERS</c>), and the DATA bytes each way.
/// </summary>
/// <param name="Url">The request's URL as Chromium logged it (wss://… for a WebSocket).</param>
/// <param name="SessionId">The NetLog source id of the HTTP/2 session that carried it.</param>
/// <param name="SessionProtocol">The session's protocol (<c>HTTP2_SESSION_INITIALIZED</c>): "h2".</param>
/// <param name="StreamId">The HTTP/2 stream id.</param>
/// <param name="RequestHeaders">The fields sent, each "name: value".</param>
/// <param name="ResponseHeaders">The fields received, each "name: value"; empty when no answer was logged.</param>
/// <param name="DataBytesSent">The sum of the stream's DATA frame sizes Chromium sent.</param>
/// <param name="DataBytesReceived">The sum of the stream's DATA frame sizes Chromium received.</param>
public sealed record ChromiumHttp2Request(string Url, long SessionId, string SessionProtocol, long StreamId,
    IReadOnlyList<string> RequestHeaders, IReadOnlyList<string> ResponseHeaders, long DataBytesSent, long DataBytesReceived)
{
    /// <summary>The value of the first request field named <paramref name="name"/> (":method", ":protocol", …), or null.</summary>
    public string? RequestHeader(string name) => Find(RequestHeaders, name);

    /// <summary>The value of the first response field named <paramref name="name"/> (":status", …), or null.</summary>
    public string? ResponseHeader(string name) => Find(ResponseHeaders, name);

    private static string? Find(IReadOnlyList<string> fields, string name)
    {
        // A pseudo-header's name starts with ':', so the separator is the first ": " after the name's first character.
        foreach (string field in fields)
        {
            int colon = field.IndexOf(": ", 1, StringComparison.Ordinal);
            if (colon > 0 && field.AsSpan(0, colon).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return field[(colon + 2)..];
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Url} on {SessionProtocol} session {SessionId}, stream {StreamId}, {DataBytesSent} B sent and {DataBytesReceived} B received in DATA\n" +
        $"        sent:     {string.Join(" | ", RequestHeaders)}\n        received: {string.Join(" | ", ResponseHeaders)}";
}
