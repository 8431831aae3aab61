namespace Ws101.PubSub;

/// <summary>
/// Where topics keep their history (<see cref="TopicHistory"/>): a backplane that is also a history store appends each
/// message of a topic with history and publishes it to every node in one step, so that the history's order is the
/// order in which every node receives, and the envelope each node receives carries the message's position.
/// <c>Ws101.Redis.RedisBackplane</c> implements it on Redis Streams.
/// </summary>
internal interface ITopicHistoryStore
{
    /// <summary>
    /// Appends <paramref name="envelope"/>'s message to <paramref name="topic"/>'s history (trimmed to
    /// <paramref name="history"/>) and publishes the envelope with its position written into it
    /// to every node subscribed to the topic, this one included. Returns false without waiting when that cannot be done
    /// now; a later failure goes to <see cref="IBackplaneListener.OnPublishFailed"/>.
    /// </summary>
    bool TryAppend(string topic, byte[] envelope, TopicHistory history);

    /// <summary>
    /// The messages after <paramref name="after"/>, oldest first, at most <paramref name="max"/>; <see cref="HistoryRead.Covered"/>
    /// is false when the history no longer holds <paramref name="after"/> (trimmed, or the store lost it), so that what
    /// follows it may be incomplete. <c>"0-0"</c> is before every message: covered while nothing was ever trimmed.
    /// </summary>
    Task<HistoryRead> ReadAfterAsync(string topic, string after, int max, TopicHistory history, CancellationToken cancellationToken = default);

    /// <summary>The position of the newest message in <paramref name="topic"/>'s history, or <c>"0-0"</c> when it has none.</summary>
    Task<string> GetLastPositionAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Completes once the node's subscription to <paramref name="topic"/> (asked for with <see cref="TopicBackplane.Subscribe"/>) is in place.</summary>
    Task WhenSubscribedAsync(string topic, CancellationToken cancellationToken = default);
}
