namespace Ws101.PubSub;

/// <summary>What a backplane reports to its owner.</summary>
internal interface IBackplaneListener
{
    /// <summary>An envelope arrived for <paramref name="subscription"/> (the topic or pattern subscribed to).</summary>
    void OnMessage(string subscription, ReadOnlySpan<byte> envelope);

    /// <summary>A message accepted by <see cref="TopicBackplane.TryPublish"/> could not be sent after all.</summary>
    void OnPublishFailed(string topic, Exception? error);

    /// <summary>
    /// <paramref name="count"/> messages accepted while the link was down, and held in the backplane's backlog, were
    /// sent once it was back (counted when sent, not when held).
    /// </summary>
    void OnSentLate(int count);

    /// <summary>
    /// A message held in the backplane's backlog was dropped (too old, or the backlog was full): it is lost, as a publish
    /// refused at once would be, and counted apart as well so that the backlog's bounds can be told from other losses.
    /// </summary>
    void OnBacklogDropped(string topic, string reason);

    /// <summary>The link went down (<paramref name="connected"/> false) or came back, with a reason for the log.</summary>
    void OnConnectionChanged(bool connected, string? detail);
}
