namespace Ws101.PubSub;

/// <summary>The outcome of queueing one delivery.</summary>
internal enum EnqueueResult : byte
{
    /// <summary>Queued; it will be written in order after what was queued before.</summary>
    Queued,

    /// <summary>The queue is at its bound: the subscriber reads too slowly.</summary>
    Full,

    /// <summary>The subscriber has ended or is closing.</summary>
    Closed,
}
