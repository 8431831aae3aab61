using System.Buffers;
using System.Runtime.CompilerServices;
using Ws101.Protocol;

namespace Ws101.PubSub;

/// <summary>
/// What topics deliver to for one connection: a queue of prepared messages, bounded in bytes, that publishers only
/// append to (a publisher never waits for a slow peer), and a drain, off the publisher's thread, that hands the queue
/// to the connection a batch at a time. The slow-subscriber policy acts through it: full means too slow, and
/// <see cref="CloseTooSlow"/> closes the connection with 1008. One outbox per connection, whichever hubs it joins.
/// </summary>
internal sealed class ConnectionOutbox : ITopicSubscriber
{
    // Largest batch handed to the connection at once: many small frames go out in one write.
    private const int BatchBytes = 64 * 1024;

    private static readonly ConditionalWeakTable<WebSocketConnection, ConnectionOutbox> Outboxes = new();

    // Guards the queue and the flags below (publishers, the drain and the end of the connection meet here); never held
    // while calling into the connection.
    private readonly Queue<PreparedMessage> _queue = new();
    private long _bytes;
    private bool _draining;
    private bool _closed;
    private bool _hooked;
    private Action<ITopicSubscriber>? _onEnded;
    // What the drain has taken from the queue for the write in progress (only the one drain uses it).
    private readonly List<PreparedMessage> _taken = [];

    private ConnectionOutbox(WebSocketConnection connection)
    {
        Connection = connection;
        // Compress once (PreparedMessage.DeflatedFrame) only where the server resets its compression context for every
        // message (RFC 7692 §7.1.1.1 server_no_context_takeover): a message deflated on its own then decodes whatever the
        // peer's window holds, and the connection's own compressor keeps no history the shared frame would upset.
        if (connection.PerMessageDeflate is { } agreement && agreement.NoContextTakeover(Protocol.WebSocketRole.Server))
        {
            _deflateWindowBits = agreement.MaxWindowBits(Protocol.WebSocketRole.Server);
            _deflateMinimum = connection.Options.Compression?.MinimumMessageSize ?? 0;
        }
    }

    // The server's window when shared deflated frames may be sent (0: they may not), and the smallest message worth it.
    private readonly int _deflateWindowBits;
    private readonly int _deflateMinimum;

    /// <summary>The bytes to write for <paramref name="message"/>: deflated once for all when this connection's agreement allows it and it is worth it.</summary>
    private ReadOnlyMemory<byte> FrameOf(PreparedMessage message)
    {
        if (_deflateWindowBits == 0 || message.PayloadLength < _deflateMinimum
            || (_deflateWindowBits < 15 && message.PayloadLength > 1 << _deflateWindowBits))
        {
            return message.Frame;
        }
        return message.DeflatedFrame ?? message.Frame;
    }

    /// <summary>The connection this outbox writes to.</summary>
    public WebSocketConnection Connection { get; }

    /// <summary>Bytes queued and not yet handed to the connection.</summary>
    public long QueuedBytes => Volatile.Read(ref _bytes);

    /// <summary>The outbox of <paramref name="connection"/>, created on first use; it lives as long as the connection.</summary>
    public static ConnectionOutbox For(WebSocketConnection connection) =>
        Outboxes.GetValue(connection, static c => new ConnectionOutbox(c));

    /// <summary>The outbox of <paramref name="connection"/> if it has one.</summary>
    public static ConnectionOutbox? Find(WebSocketConnection connection) =>
        Outboxes.TryGetValue(connection, out var outbox) ? outbox : null;

    public bool HasEnded => Connection.HasEnded;

    public EnqueueResult TryEnqueue(PreparedMessage message, long maxQueuedBytes)
    {
        lock (_queue)
        {
            if (_closed || Connection.HasEnded)
            {
                return EnqueueResult.Closed;
            }
            // One message is always let in, however large, so that a message above the bound is not refused to everyone.
            if (_bytes > 0 && _bytes + message.FrameLength > maxQueuedBytes)
            {
                return EnqueueResult.Full;
            }
            if (!message.TryAddReference())
            {
                return EnqueueResult.Closed;
            }
            _queue.Enqueue(message);
            _bytes += message.FrameLength;
            if (_draining)
            {
                return EnqueueResult.Queued;
            }
            _draining = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.DrainAsync(), this, preferLocal: false);
        return EnqueueResult.Queued;
    }

    public void CloseTooSlow(string reason) => CloseNow(CloseCode.PolicyViolation, reason);

    public void CloseToResume(string reason) => CloseNow(CloseCode.GoingAway, reason);

    private void CloseNow(CloseCode code, string reason)
    {
        Action<ITopicSubscriber>? callbacks;
        lock (_queue)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            callbacks = _onEnded;
            _onEnded = null;
        }
        Drop();
        // Out of every topic at once, while the close (which cannot pass a stuck write) takes its time.
        callbacks?.Invoke(this);
        _ = Connection.CloseOrAbortAsync(code, reason);
    }

    public void OnEnded(Action<ITopicSubscriber> callback)
    {
        bool hook;
        lock (_queue)
        {
            _onEnded += callback;
            hook = !_hooked;
            _hooked = true;
        }
        if (hook)
        {
            Connection.Ended += _ => RaiseEnded();
        }
        if (Connection.HasEnded)
        {
            RaiseEnded();
        }
    }

    private void RaiseEnded()
    {
        Action<ITopicSubscriber>? callbacks;
        lock (_queue)
        {
            _closed = true;
            callbacks = _onEnded;
            _onEnded = null;
        }
        Drop();
        callbacks?.Invoke(this);
    }

    /// <summary>Releases everything still queued (the connection ended or was closed as too slow).</summary>
    private void Drop()
    {
        while (true)
        {
            PreparedMessage? message;
            lock (_queue)
            {
                if (!_queue.TryDequeue(out message))
                {
                    _bytes = 0;
                    return;
                }
                _bytes -= message.FrameLength;
            }
            Ws101Metrics.TopicDrops.Add(1, new KeyValuePair<string, object?>("reason", "closed"));
            message.Release();
        }
    }

    /// <summary>Hands the queue to the connection, a batch per write, until it is empty.</summary>
    private async Task DrainAsync()
    {
        var taken = _taken;
        byte[]? batch = null;
        try
        {
            while (Take(taken))
            {
                // One message goes from its own bytes; several are copied into one buffer and written together.
                ReadOnlyMemory<byte> frames;
                if (taken.Count == 1)
                {
                    frames = FrameOf(taken[0]);
                }
                else
                {
                    batch ??= ArrayPool<byte>.Shared.Rent(BatchBytes);
                    int length = 0;
                    foreach (var message in taken)
                    {
                        var frame = FrameOf(message);
                        frame.Span.CopyTo(batch.AsSpan(length));
                        length += frame.Length;
                    }
                    frames = batch.AsMemory(0, length);
                }
                try
                {
                    while (!await Connection.SendPreparedFramesAsync(frames, CancellationToken.None).ConfigureAwait(false))
                    {
                        // The application is streaming a message: a whole message may not cut in between its fragments. Retry shortly.
                        await Task.Delay(1).ConfigureAwait(false);
                    }
                }
                finally
                {
                    foreach (var message in taken)
                    {
                        message.Release();
                    }
                    taken.Clear();
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection ended or failed while writing (or anything unforeseen): queue no more for it.
            lock (_queue)
            {
                _closed = true;
                _draining = false;
            }
            Drop();
        }
        finally
        {
            if (batch is not null)
            {
                ArrayPool<byte>.Shared.Return(batch);
            }
        }
    }

    /// <summary>Takes up to a batch of queued messages; false (and the drain stops) when there are none or the outbox is closed.</summary>
    private bool Take(List<PreparedMessage> taken)
    {
        lock (_queue)
        {
            if (_closed || _queue.Count == 0)
            {
                _draining = false;
                return false;
            }
            int length = 0;
            while (_queue.TryPeek(out var next) && (taken.Count == 0 || length + next.FrameLength <= BatchBytes))
            {
                taken.Add(_queue.Dequeue());
                length += next.FrameLength;
                _bytes -= next.FrameLength;
            }
            return true;
        }
    }
}
