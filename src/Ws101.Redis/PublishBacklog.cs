namespace Ws101.Redis;

/// <summary>
/// The publishes a <see cref="RedisBackplane"/> holds while its link is down, oldest first, bounded in bytes and age
/// (<see cref="RedisBackplaneOptions.PublishBacklog"/>, <see cref="RedisBackplaneOptions.PublishBacklogBytes"/>).
/// Not thread-safe: the backplane calls it under its own lock, which also orders the sends.
/// </summary>
internal sealed class PublishBacklog
{
    private readonly Queue<HeldPublish> _held = new();
    private readonly long _maxBytes;
    private readonly long _maxAgeMs;
    // The count as of the last change, readable without the lock (the backplane's tick decides from it whether to look).
    private volatile int _count;

    public PublishBacklog(TimeSpan maxAge, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxAgeMs = (long)Math.Ceiling(maxAge.TotalMilliseconds);
        _maxBytes = maxBytes;
    }

    /// <summary>How many are held (read without the lock: a hint, exact under it).</summary>
    public int Count => _count;

    /// <summary>The bytes of envelopes held.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Holds a publish behind those already held; false when it would take the backlog past its byte bound. The newest
    /// is the one refused, not the oldest evicted: what is held stays one unbroken run from the start of the outage
    /// (receivers see one gap, at its end, rather than holes), and refusing is what a publish without a backlog gets,
    /// at once, with no work. The age bound is what drops the oldest (<see cref="TryTakeExpired"/>).
    /// </summary>
    public bool TryAdd(HeldPublish publish)
    {
        if (Bytes + publish.Envelope.Length > _maxBytes)
        {
            return false;
        }
        _held.Enqueue(publish);
        Bytes += publish.Envelope.Length;
        _count = _held.Count;
        return true;
    }

    /// <summary>The oldest held publish, left in place until <see cref="RemoveFirst"/> (a send refused for want of a connection keeps it).</summary>
    public bool TryPeek(out HeldPublish publish) => _held.TryPeek(out publish);

    /// <summary>Removes the oldest held publish (just sent, or dropped).</summary>
    public void RemoveFirst()
    {
        var publish = _held.Dequeue();
        Bytes -= publish.Envelope.Length;
        _count = _held.Count;
        if (_held.Count == 0)
        {
            // The queue's array keeps the size of the longest outage otherwise; let it go once the backlog is sent.
            _held.TrimExcess();
        }
    }

    /// <summary>Removes and returns the oldest held publish when it is older than the age bound at <paramref name="now"/> (Environment.TickCount64).</summary>
    public bool TryTakeExpired(long now, out HeldPublish publish)
    {
        if (_held.TryPeek(out publish) && now - publish.HeldAt > _maxAgeMs)
        {
            RemoveFirst();
            return true;
        }
        publish = default;
        return false;
    }
}
