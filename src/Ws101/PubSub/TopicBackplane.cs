using Ws101.PubSub;

namespace Ws101;

/// <summary>
/// Carries topic messages between nodes (servers) so that a publish on one reaches the subscribers of all: give one to
/// <see cref="WebSocketTopicsOptions.Backplane"/>. <c>Ws101.Redis.RedisBackplane</c> (package Ws101.Redis) is the
/// backplane; it also keeps topics' history (<see cref="TopicOptions.History"/>) and shares presence
/// (<see cref="WebSocketTopicsOptions.Presence"/>). The hub starts it (<see cref="WebSocketTopics.StartAsync"/>) and
/// moves envelopes through it that only the library reads, so it has nothing an application calls but
/// <see cref="IsConnected"/> and <see cref="DisposeAsync"/>.
/// </summary>
public abstract class TopicBackplane : IAsyncDisposable
{
    // Only the library's own backplanes derive from it (Ws101.Redis sees the constructor and the seam below through
    // InternalsVisibleTo): the envelope, the history and presence stores are internal, so they can change without
    // breaking an application.
    internal TopicBackplane()
    {
    }

    /// <summary>True while the link to the other nodes is up.</summary>
    public abstract bool IsConnected { get; }

    /// <summary>Stops receiving, and closes the link.</summary>
    public abstract ValueTask DisposeAsync();

    // The seam the hub publishes and subscribes through. An implementation never blocks its caller: publishing while the
    // link is down returns false at once (the message is lost, and counted), or, with a bounded backlog, holds the
    // message to send it late (reported through IBackplaneListener.OnSentLate and OnBacklogDropped); it reconnects and
    // restores its subscriptions by itself.

    /// <summary>Connects (or starts trying to) and starts handing received envelopes to <paramref name="listener"/>.</summary>
    internal abstract Task StartAsync(IBackplaneListener listener, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="envelope"/> (ownership passes to the backplane) to the nodes subscribed to
    /// <paramref name="topic"/>. Returns false without waiting when it cannot be sent now; a send that fails later
    /// is reported to <see cref="IBackplaneListener.OnPublishFailed"/>.
    /// </summary>
    internal abstract bool TryPublish(string topic, byte[] envelope);

    /// <summary>
    /// Starts receiving messages for <paramref name="subscription"/>: an exact topic, or a pattern ending in <c>.*</c>
    /// (or <c>*</c>). Remembered, and restored after a reconnect. Does not wait.
    /// </summary>
    internal abstract void Subscribe(string subscription);

    /// <summary>Stops receiving messages for <paramref name="subscription"/>. Does not wait.</summary>
    internal abstract void Unsubscribe(string subscription);
}
