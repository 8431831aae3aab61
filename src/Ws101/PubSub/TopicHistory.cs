namespace Ws101;

/// <summary>
/// How much of a topic's past its history store keeps (<see cref="TopicOptions.History"/>): the last
/// <see cref="MaxCount"/> messages and/or those younger than <see cref="MaxAge"/>. A subscriber that comes back with a
/// position still in it gets everything after; one whose position is gone is told so and resyncs.
/// </summary>
public sealed record TopicHistory
{
    /// <summary>
    /// Keep about this many messages (at least this many: Redis trims whole blocks of its stream, so a little more may
    /// stay). 0: no bound by count (then set <see cref="MaxAge"/>).
    /// </summary>
    public int MaxCount { get; init; }

    /// <summary>Keep the messages younger than this (on the store's clock). Null: no bound by age (then set <see cref="MaxCount"/>).</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The most messages a subscriber that resumes is sent from the history; when more were missed it is told it cannot recover. Default 10,000.</summary>
    public int MaxRecovered { get; init; } = 10_000;

    internal void Validate()
    {
        if (MaxCount < 0 || (MaxCount == 0 && MaxAge is null))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCount), MaxCount, "A history keeps a positive count of messages, an age, or both.");
        }
        if (MaxAge is { } age && age <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAge), age, "A history's age is positive.");
        }
        if (MaxRecovered < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRecovered), MaxRecovered, "At least one message can be recovered.");
        }
    }
}
