namespace Ws101.PubSub;

/// <summary>What a topic delivers to: a connection's outgoing queue (a test can stand in its own).</summary>
internal interface ITopicSubscriber
{
    /// <summary>
    /// Queues <paramref name="message"/> (taking a reference) unless the queue would pass <paramref name="maxQueuedBytes"/>.
    /// Never waits for the peer.
    /// </summary>
    EnqueueResult TryEnqueue(PreparedMessage message, long maxQueuedBytes);

    /// <summary>Closes the subscriber with 1008 because it reads too slowly; does not wait.</summary>
    void CloseTooSlow(string reason);

    /// <summary>Closes the subscriber with 1001 so that it comes back and resumes from its last position; does not wait.</summary>
    void CloseToResume(string reason);

    /// <summary>True once the subscriber has ended (its subscriptions can go).</summary>
    bool HasEnded { get; }

    /// <summary>Calls <paramref name="callback"/> once when the subscriber ends (at once if it already has).</summary>
    void OnEnded(Action<ITopicSubscriber> callback);
}
