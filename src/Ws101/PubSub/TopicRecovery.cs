namespace Ws101.PubSub;

/// <summary>How a subscription that asked to resume (<see cref="TopicSubscribeOptions.Since"/>) went.</summary>
public enum TopicRecovery
{
    /// <summary>It did not ask to resume.</summary>
    None,

    /// <summary>Everything after its position was sent, then the live messages, without a gap or a duplicate.</summary>
    Recovered,

    /// <summary>The history no longer reaches back to its position (or holds more than <see cref="TopicHistory.MaxRecovered"/> after it): it gets the live messages and should resync.</summary>
    NotRecovered,
}
