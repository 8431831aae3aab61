using Ws101.PubSub;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/chat</c>: each message goes to every other client connected to <c>/chat</c>, on this node and, with
/// <c>--redis</c>, on every node that shares the Redis. Published once on the topic <c>chat</c>: framed once, the same
/// bytes queued to every member. A message handler: an idle member holds no suspended method.
/// </summary>
internal sealed class ChatRoom(WebSocketTopics topics) : WebSocketMessageHandler
{
    public const string Topic = "chat";

    public int Count => topics.GetSubscriberCount(Topic);

    public override ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        topics.Subscribe(connection, Topic);
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (message.Kind is (WebSocketMessageKind.Text or WebSocketMessageKind.Binary) && message.EndOfMessage)
        {
            // Framed once and queued to every other member; the subscription ends by itself when the connection closes.
            topics.Publish(Topic, message.Data.Span, message.Kind, except: connection);
        }
        return ValueTask.CompletedTask;
    }
}
