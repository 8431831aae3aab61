namespace Ws101.PubSub;

/// <summary>The outcome of <see cref="WebSocketTopics.SubscribeAsync(WebSocketConnection, string, TopicSubscribeOptions, CancellationToken)"/>.</summary>
/// <param name="Added">False when the connection was already subscribed to the topic this way.</param>
/// <param name="Recovery">Whether a subscription that resumes got what it missed.</param>
/// <param name="Missed">How many messages it was sent from the history.</param>
public readonly record struct TopicSubscribeResult(bool Added, TopicRecovery Recovery, int Missed);
