using Ws101.Protocol;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/echo</c>: sends every message back as it came (streamed parts included). With <c>?transcript=1</c> the
/// first message is the opening handshake as the server read and answered it, for the playground.
/// </summary>
/// <remarks>
/// A message handler, so that on the event loop an idle echo connection is plain state: no suspended method, no request
/// head (the transcript is sent from <see cref="OnOpenAsync"/>, while the request is still there).
/// </remarks>
internal sealed class EchoEndpoint : WebSocketMessageHandler
{
    public static EchoEndpoint Instance { get; } = new();

    public override async ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        if (QueryHas(connection.Handshake.Query, "transcript", "1"))
        {
            await connection.SendTextAsync(connection.Handshake.RequestText + connection.Handshake.ResponseText, cancellationToken).ConfigureAwait(false);
        }
    }

    // No token on the send: on shutdown the server closes the connection with 1001, and a send under way finishes or fails.
    public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
        message.Kind == WebSocketMessageKind.Ping
            ? ValueTask.CompletedTask
            : connection.SendAsync(message.Data, message.Kind, message.EndOfMessage, CancellationToken.None);

    internal static bool QueryHas(string query, string name, string value)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv[0] == name && (kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "") == value)
            {
                return true;
            }
        }
        return false;
    }
}
