namespace Ws101;

/// <summary>What a topic does with a subscriber whose queue is at its bound.</summary>
public enum SlowSubscriberPolicy
{
    /// <summary>It misses this message (counted in <c>ws101.topics.drops</c> with reason <c>slow</c>) and stays subscribed.</summary>
    Skip,

    /// <summary>It is closed with 1008 (policy violation): a consumer that must not miss messages is better gone than silently behind.</summary>
    Close,
}
