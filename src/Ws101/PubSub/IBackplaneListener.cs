namespace Ws101.PubSub;

/// <summary>What a backplane reports to its owner.</summary>
internal interface IBackplaneListener
{
    /// <summary>An envelope arrived for <paramref name="subscription"/> (the topic or pattern subscribed to).</summary>
    void OnMessage(string subscription, ReadOnlySpan<byte> envelope);

    /// <summary>A message accepted by <see cref="TopicBackplane.TryPublish"/> could not be sent after all.</summary>
    void OnPublishFailed(string topic, Exception? error);

    /// <summary>The link went down (<paramref name="connected"/> false) or came back, with a reason for the log.</summary>
    void OnConnectionChanged(bool connected, string? detail);
}
