using Ws101.Protocol;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/echo</c>: sends every message back as it came (streamed parts included). With <c>?transcript=1</c> the
/// first message is the opening handshake as the server read and answered it, for the playground.
/// </summary>
internal static class EchoEndpoint
{
    public static async Task HandleAsync(WebSocketConnection ws, CancellationToken stopping)
    {
        if (QueryHas(ws.Handshake.Query, "transcript", "1"))
        {
            await ws.SendTextAsync(ws.Handshake.RequestText + ws.Handshake.ResponseText, stopping).ConfigureAwait(false);
        }
        while (true)
        {
            // No token here: on shutdown the server closes the connection with 1001 and this receive returns the close.
            // A cancellable receive would also cost a registration on every idle connection.
            var message = await ws.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
            if (message.IsClose)
            {
                return;
            }
            if (message.Kind == WebSocketMessageKind.Ping)
            {
                continue;
            }
            await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, CancellationToken.None).ConfigureAwait(false);
        }
    }

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
