using System.Collections.Concurrent;

namespace Ws101.Cli.Serve;

/// <summary><c>/chat</c>: each message goes to every other client connected to <c>/chat</c>.</summary>
internal sealed class ChatRoom
{
    private readonly ConcurrentDictionary<WebSocketConnection, byte> _members = new();

    public int Count => _members.Count;

    public async Task HandleAsync(WebSocketConnection ws, CancellationToken stopping)
    {
        _members.TryAdd(ws, 0);
        try
        {
            while (true)
            {
                var message = await ws.ReceiveAsync(stopping).ConfigureAwait(false);
                if (message.IsClose)
                {
                    return;
                }
                if (message.Kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary) || !message.EndOfMessage)
                {
                    continue;
                }
                // Copy once: the received buffer is reused by the next receive, and the sends run concurrently.
                var data = message.ToArray();
                await Task.WhenAll(_members.Keys.Where(m => m != ws).Select(m => SendQuietlyAsync(m, data, message.Kind))).ConfigureAwait(false);
            }
        }
        finally
        {
            _members.TryRemove(ws, out _);
        }
    }

    private static async Task SendQuietlyAsync(WebSocketConnection member, byte[] data, WebSocketMessageKind kind)
    {
        try
        {
            await member.SendAsync(data, kind).ConfigureAwait(false);
        }
        catch (WebSocketClosedException)
        {
            // That member left meanwhile; the others still get the message.
        }
    }
}
