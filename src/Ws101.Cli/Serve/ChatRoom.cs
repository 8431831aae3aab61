using Ws101.PubSub;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/chat</c>: each message goes to every other client connected to <c>/chat</c>, on this node and, with
/// <c>--redis</c>, on every node that shares the Redis. Published once on the topic <c>chat</c>: framed once, the same
/// bytes queued to every member.
/// </summary>
internal sealed class ChatRoom(WebSocketTopics topics)
{
    public const string Topic = "chat";

    public int Count => topics.GetSubscriberCount(Topic);

    public async Task HandleAsync(WebSocketConnection ws, CancellationToken stopping)
    {
        topics.Subscribe(ws, Topic);
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
            // Framed once and queued to every other member; the subscription ends by itself when ws closes.
            topics.Publish(Topic, message.Data.Span, message.Kind, except: ws);
        }
    }
}
