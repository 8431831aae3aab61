using Ws101.Protocol;
using Ws101.PubSub;

namespace Ws101;

// The prepared-frame path: frames encoded once elsewhere (topics, broadcast) are queued per connection and written
// by a drain that runs off the publisher's thread, under the same send gate as every other send. A publisher never
// waits for a slow peer: it only appends to a bounded queue.
public sealed partial class WebSocketConnection : ITopicSubscriber
{
    // Largest batch copied into the outgoing buffer per write: many small frames go out in one syscall.
    private const int DrainBatchBytes = 64 * 1024;

    private Queue<PreparedMessage>? _outbox;
    private long _outboxBytes;
    private bool _draining;
    private bool _outboxClosed;
    private Action<ITopicSubscriber>? _onEnded;
    private int _endedHooked;

    private object OutboxLock => _transport;

    /// <summary>Bytes of prepared messages queued for this connection and not yet written.</summary>
    public long QueuedPreparedBytes => Volatile.Read(ref _outboxBytes);

    /// <summary>
    /// Sends a message framed once for many connections. Waits for the send like <see cref="SendBinaryAsync(ReadOnlyMemory{byte}, CancellationToken)"/>;
    /// messages queued by topics may go before it.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">This is a client connection (clients mask every frame), or a streamed message is unfinished.</exception>
    public async ValueTask SendPreparedAsync(PreparedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(!message.TryAddReference(), message);
        try
        {
            await EnterSendAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lock (_core)
                {
                    if (_ended)
                    {
                        throw new WebSocketClosedException($"The connection is closed ({(int?)CloseStatus} {CloseReason}); nothing more can be sent.", CloseStatus);
                    }
                    _core.WritePendingOutput(_out);
                    try
                    {
                        _core.WritePrepared(_out, message.Frame.Span);
                    }
                    catch (InvalidOperationException ex) when (_core.State != ConnectionState.Open)
                    {
                        _out.Reset(release: false);
                        throw new WebSocketClosedException($"The connection is {_core.State}; no data can be sent after a close (RFC 6455 §5.5.1).", CloseStatus, ex);
                    }
                    Diagnostics.Ws101Metrics.MessagesSent.Add(1);
                }
                await WriteOut(cancellationToken).ConfigureAwait(false);
                AfterWrite();
            }
            finally
            {
                ExitSend();
            }
        }
        finally
        {
            message.Release();
        }
    }

    EnqueueResult ITopicSubscriber.TryEnqueue(PreparedMessage message, long maxQueuedBytes)
    {
        bool start;
        lock (OutboxLock)
        {
            if (_outboxClosed || _ended)
            {
                return EnqueueResult.Closed;
            }
            // One message is always let in, however large, so that a message above the bound is not refused to everyone.
            if (_outboxBytes > 0 && _outboxBytes + message.FrameLength > maxQueuedBytes)
            {
                return EnqueueResult.Full;
            }
            if (!message.TryAddReference())
            {
                return EnqueueResult.Closed;
            }
            (_outbox ??= new Queue<PreparedMessage>()).Enqueue(message);
            _outboxBytes += message.FrameLength;
            start = !_draining;
            _draining = true;
        }
        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.DrainOutboxAsync(), this, preferLocal: false);
        }
        return EnqueueResult.Queued;
    }

    void ITopicSubscriber.CloseTooSlow(string reason)
    {
        lock (OutboxLock)
        {
            if (_outboxClosed)
            {
                return;
            }
            _outboxClosed = true;
        }
        DropOutbox();
        // Out of every topic at once, while the close (which cannot pass the stuck write) takes its time.
        Action<ITopicSubscriber>? callbacks;
        lock (OutboxLock)
        {
            callbacks = _onEnded;
            _onEnded = null;
        }
        callbacks?.Invoke(this);
        _ = CloseTooSlowAsync(reason);
    }

    private async Task CloseTooSlowAsync(string reason)
    {
        // The peer reads nothing, so the close frame may never get through: try for the close timeout, then drop it,
        // keeping 1008 as the status this side reports, whichever deadline (this one or the heartbeat's) ends it.
        lock (_core)
        {
            if (!_ended)
            {
                _endStatus ??= CloseCode.PolicyViolation;
                _endReason ??= reason;
            }
        }
        try
        {
            await CloseAsync(CloseCode.PolicyViolation, reason).WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or WebSocketClosedException or InvalidOperationException || IsTransportFailure(ex))
        {
        }
        Abort(CloseCode.PolicyViolation, reason);
    }

    bool ITopicSubscriber.HasEnded => _ended;

    void ITopicSubscriber.OnEnded(Action<ITopicSubscriber> callback)
    {
        lock (OutboxLock)
        {
            _onEnded += callback;
            if (Interlocked.Exchange(ref _endedHooked, 1) == 0)
            {
                Ended += static c => c.RaiseOutboxEnded();
            }
        }
        if (_ended)
        {
            RaiseOutboxEnded();
        }
    }

    private void RaiseOutboxEnded()
    {
        Action<ITopicSubscriber>? callbacks;
        lock (OutboxLock)
        {
            _outboxClosed = true;
            callbacks = _onEnded;
            _onEnded = null;
        }
        DropOutbox();
        callbacks?.Invoke(this);
    }

    private void DropOutbox()
    {
        while (true)
        {
            PreparedMessage? message;
            lock (OutboxLock)
            {
                if (_outbox is null || !_outbox.TryDequeue(out message))
                {
                    _outboxBytes = 0;
                    return;
                }
                _outboxBytes -= message.FrameLength;
            }
            Diagnostics.Ws101Metrics.TopicDrops.Add(1, new KeyValuePair<string, object?>("reason", "closed"));
            message.Release();
        }
    }

    /// <summary>Writes queued prepared messages, a batch per write, until the queue is empty.</summary>
    private async Task DrainOutboxAsync()
    {
        try
        {
            while (true)
            {
                await EnterSendAsync(CancellationToken.None).ConfigureAwait(false);
                bool wrote;
                bool deferred = false;
                try
                {
                    wrote = FrameOutboxBatch(ref deferred);
                    if (wrote)
                    {
                        await WriteOut(CancellationToken.None).ConfigureAwait(false);
                        AfterWrite();
                    }
                }
                finally
                {
                    ExitSend();
                }
                if (deferred)
                {
                    // The application is streaming a message: a whole message may not cut in between its fragments. Retry shortly.
                    await Task.Delay(1).ConfigureAwait(false);
                    continue;
                }
                lock (OutboxLock)
                {
                    if (_outbox is null || _outbox.Count == 0 || _outboxClosed)
                    {
                        _draining = false;
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection ended or failed while writing (or anything unforeseen): queue no more for it.
            lock (OutboxLock)
            {
                _outboxClosed = true;
                _draining = false;
            }
        }
        if (_outboxClosed)
        {
            DropOutbox();
        }
    }

    /// <summary>Copies up to a batch of queued frames into the outgoing buffer under the core's lock.</summary>
    private bool FrameOutboxBatch(ref bool deferred)
    {
        lock (_core)
        {
            if (_ended || _core.State != ConnectionState.Open)
            {
                lock (OutboxLock)
                {
                    _outboxClosed = true;
                }
                return false;
            }
            if (_core.IsSendingStreamedMessage)
            {
                deferred = true;
                return false;
            }
            _core.WritePendingOutput(_out);
            int batch = 0;
            while (batch < DrainBatchBytes)
            {
                PreparedMessage? message;
                lock (OutboxLock)
                {
                    if (_outbox is null || !_outbox.TryDequeue(out message))
                    {
                        break;
                    }
                    _outboxBytes -= message.FrameLength;
                }
                try
                {
                    _core.WritePrepared(_out, message.Frame.Span);
                }
                finally
                {
                    message.Release();
                }
                batch += message.FrameLength;
                Diagnostics.Ws101Metrics.MessagesSent.Add(1);
            }
            return _out.WrittenCount > 0;
        }
    }
}
