namespace Ws101;

/// <summary>
/// How a hub shares presence through its <see cref="WebSocketTopicsOptions.Backplane"/> (<c>Ws101.Redis.RedisBackplane</c> stores it): each change is
/// written at once (changes within <see cref="Coalesce"/> go together), and every part is written again each
/// <see cref="Refresh"/>, to live <see cref="TimeToLive"/>. A node that dies stops refreshing and drops out of every
/// topic's presence at most <see cref="TimeToLive"/> after its last refresh.
/// </summary>
public sealed record TopicPresenceOptions
{
    /// <summary>How often each node writes its whole presence again. Default 5 s.</summary>
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node's part lives after its last write. Default 15 s (three refreshes: one lost write is not an absence).</summary>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes that come within this time are written together (a burst of joins is one write per topic). Default 50 ms.</summary>
    public TimeSpan Coalesce { get; init; } = TimeSpan.FromMilliseconds(50);

    internal void Validate()
    {
        if (Refresh <= TimeSpan.Zero || TimeToLive <= Refresh)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeToLive), TimeToLive, $"The refresh must be positive and shorter than the time to live (refresh {Refresh}).");
        }
        if (Coalesce < TimeSpan.Zero || Coalesce >= Refresh)
        {
            throw new ArgumentOutOfRangeException(nameof(Coalesce), Coalesce, "The coalescing delay is zero or more, and shorter than the refresh.");
        }
    }
}
