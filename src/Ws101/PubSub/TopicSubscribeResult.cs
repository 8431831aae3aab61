namespace Ws101;

/// <summary>The outcome of <see cref="WebSocketTopics.SubscribeAsync(WebSocketConnection, string, TopicSubscribeOptions, CancellationToken)"/>.</summary>
/// <param name="Added">False when the connection was already subscribed to the topic this way.</param>
/// <param name="Recovered">
/// Null when it did not ask to resume (<see cref="TopicSubscribeOptions.Since"/>); true when everything after its position
/// was sent (<paramref name="Missed"/> messages), then the live ones, without a gap or a duplicate; false when the history
/// no longer reaches back to its position (or holds more than <see cref="TopicHistory.MaxRecovered"/> after it): it gets
/// the live messages, and its client was told to resync (<c>{"recovered": false}</c>, see <see cref="PositionedMessage"/>).
/// </param>
/// <param name="Missed">How many messages it was sent from the history.</param>
public readonly record struct TopicSubscribeResult(bool Added, bool? Recovered, int Missed);
