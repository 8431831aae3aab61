namespace Ws101.PubSub;

/// <summary>
/// Carries topic messages between nodes (servers) so that a publish on one reaches subscribers on all. The
/// backplane moves opaque envelopes (see <see cref="BackplaneEnvelope"/>) per subscription; <see cref="WebSocketTopics"/>
/// encodes, checks, drops its own echoes and delivers. Implementations must never block the caller: publishing
/// while the link is down returns false at once (the message is lost, and counted), and the backplane reconnects
/// and restores its subscriptions by itself.
/// </summary>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>Connects (or starts trying to) and starts handing received envelopes to <paramref name="listener"/>.</summary>
    Task StartAsync(IBackplaneListener listener, CancellationToken cancellationToken = default);

    /// <summary>True while the link to the other nodes is up.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Sends <paramref name="envelope"/> (ownership passes to the backplane) to the nodes subscribed to
    /// <paramref name="topic"/>. Returns false without waiting when it cannot be sent now; a send that fails later
    /// is reported to <see cref="IBackplaneListener.OnPublishFailed"/>.
    /// </summary>
    bool TryPublish(string topic, byte[] envelope);

    /// <summary>
    /// Starts receiving messages for <paramref name="subscription"/>: an exact topic, or a pattern ending in <c>.*</c>
    /// (or <c>*</c>). Remembered, and restored after a reconnect. Does not wait.
    /// </summary>
    void Subscribe(string subscription);

    /// <summary>Stops receiving messages for <paramref name="subscription"/>. Does not wait.</summary>
    void Unsubscribe(string subscription);
}
