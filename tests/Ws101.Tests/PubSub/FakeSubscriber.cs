using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>A subscriber that records what it is given, and can play full or closed.</summary>
internal sealed class FakeSubscriber : ITopicSubscriber
{
    private Action<ITopicSubscriber>? _ended;

    public List<PreparedMessage> Received { get; } = [];

    public EnqueueResult Answer { get; set; } = EnqueueResult.Queued;

    public string? ClosedTooSlow { get; private set; }

    public bool HasEnded { get; private set; }

    public EnqueueResult TryEnqueue(PreparedMessage message, long maxQueuedBytes)
    {
        if (Answer == EnqueueResult.Queued)
        {
            // Hold a reference, as a connection's queue does until the frame is written.
            Assert.True(message.TryAddReference());
            lock (Received)
            {
                Received.Add(message);
            }
        }
        return Answer;
    }

    public void CloseTooSlow(string reason) => ClosedTooSlow = reason;

    public string? ClosedToResume { get; private set; }

    public void CloseToResume(string reason)
    {
        ClosedToResume = reason;
        End();
    }

    public void OnEnded(Action<ITopicSubscriber> callback) => _ended += callback;

    public void End()
    {
        HasEnded = true;
        _ended?.Invoke(this);
    }
}
