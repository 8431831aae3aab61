namespace ScaleBench;

/// <summary>Sends message <c>seq</c>, stamped with the time it was due (so that a publisher that falls behind shows up as latency).</summary>
internal interface IPublisher : IAsyncDisposable
{
    ValueTask PublishAsync(long seq, long scheduled);

    /// <summary>Publishes the system told the publisher had failed.</summary>
    long Failed { get; }
}
