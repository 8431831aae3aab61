namespace Ws101;

/// <summary>How one topic (or pattern) treats its subscribers.</summary>
public sealed record TopicOptions
{
    /// <summary>The defaults: skip a slow subscriber, bound 1 MiB.</summary>
    public static TopicOptions Default { get; } = new();

    /// <summary>
    /// The most bytes of prepared messages a subscriber may have queued (all its topics together) when a message of
    /// this topic comes; beyond it the subscriber is slow and <see cref="SlowSubscriber"/> decides. Default 1 MiB:
    /// a thousand 1 KiB messages of slack for a subscriber that lags for a moment. The memory a stuck subscriber
    /// can pin is this bound, so lower it for fan-outs to very many subscribers.
    /// </summary>
    public long MaxQueuedBytes { get; init; } = 1024 * 1024;

    /// <summary>What happens to a subscriber at its bound. Default <see cref="SlowSubscriberPolicy.Skip"/>.</summary>
    public SlowSubscriberPolicy SlowSubscriber { get; init; } = SlowSubscriberPolicy.Skip;

    /// <summary>
    /// Keep the topic's recent messages in the backplane (Redis Streams with <c>Ws101.Redis.RedisBackplane</c>), with a
    /// position each, so that subscribers can resume (<see cref="TopicSubscribeOptions.Since"/>). Null (default): no history.
    /// Give every node the same history options for a topic.
    /// </summary>
    public TopicHistory? History { get; init; }

    internal void Validate()
    {
        History?.Validate();
        if (MaxQueuedBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedBytes), MaxQueuedBytes, "The queue bound is at least one byte.");
        }
        if (!Enum.IsDefined(SlowSubscriber))
        {
            throw new ArgumentOutOfRangeException(nameof(SlowSubscriber), SlowSubscriber, "Skip or Close.");
        }
    }
}
