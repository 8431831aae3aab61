using System.Collections.Concurrent;
using Ws101.Transport;

namespace Ws101.Server;

/// <summary>
/// At the connection limit, finds the oldest connection still in its handshake (HTTP or TLS) that has lasted at least
/// <see cref="MinimumAgeMs"/> and drops it, answering it 503 where that can be written without waiting, so that a new
/// connection takes its place. Without this, slow handshakes (slowloris: a byte a second) fill the limit, and every
/// newcomer is refused until they time out. Upgraded connections are never shed: they are not in the table.
/// </summary>
/// <remarks>
/// Every handshake has the same timeout, so the order handshakes start in is the order of their deadlines: a FIFO of
/// (transport, deadline) beside the server's table of handshakes gives the oldest at its head, with no scan. Entries are
/// not taken out when a handshake ends; an entry whose transport is no longer in the table with that same deadline is
/// dead, and is dropped when it reaches the head (here, or from the server's tick by <see cref="Trim"/>). Every handshake
/// ends within its timeout, so the queue holds at most the handshakes started within about one timeout.
/// </remarks>
internal sealed class HandshakeShedding
{
    /// <summary>The table's mark for a handshake shed here (the tick marks a timed-out one -1).</summary>
    public const long ShedMark = -2;

    // How many dead entries one shed may step over before it gives up (the newcomer is then refused as before): each is
    // dropped for good, so this bounds the time one accept can spend here, not the work.
    private const int MaxDeadSkipped = 4096;

    private readonly ConcurrentDictionary<DuplexTransport, long> _handshakes;
    private readonly ConcurrentQueue<(DuplexTransport Transport, long Deadline)> _order = new();
    // Held to look at and take the head, so that what is peeked is what is dequeued: several accept loops may shed at
    // once. Only the queue and lock-free reads of the table are used under it: no other lock is taken while it is held
    // (the table's TryUpdate takes one), and no transport is aborted.
    private readonly Lock _head = new();
    private readonly long _timeoutMs;
    private readonly bool _answers;
    // Twice the most handshakes there can be at once (every connection, plus the sheds pending), and a floor: so at
    // least half of a queue this long is ended handshakes, which moving live ones to the tail will drop.
    private readonly int _maxQueued;

    /// <param name="handshakes">The server's handshakes in progress, each with its deadline (or a mark).</param>
    /// <param name="timeout">The handshake timeout, the same for all.</param>
    /// <param name="answers">
    /// Whether a shed connection is answered 503: false over TLS, where the handshake is TLS's own and a plain HTTP answer
    /// would be garbage to the client.
    /// </param>
    /// <param name="maxConnections">The connection limit as configured: how many handshakes there can be at once.</param>
    public HandshakeShedding(ConcurrentDictionary<DuplexTransport, long> handshakes, TimeSpan timeout, bool answers, int maxConnections)
    {
        _handshakes = handshakes;
        _maxQueued = (int)Math.Min(int.MaxValue, 2L * (maxConnections + ConnectionAdmission.MaxShedsPending) + 1024);
        _timeoutMs = (long)timeout.TotalMilliseconds;
        _answers = answers;
        // min(1 s, timeout / 2): a client on a working network finishes its handshake (TLS included) in a few round
        // trips, well under a second, so a handshake older than that is slow by choice or on a failing path, and is the
        // one to give up; a fresh handshake is never dropped for a newcomer, which would only trade one client for
        // another. Half the timeout when that is shorter, so that a short timeout still leaves handshakes old enough to
        // shed before the tick drops them anyway.
        MinimumAgeMs = Math.Min(1000, _timeoutMs / 2);
    }

    /// <summary>How long a handshake must have lasted before it may be shed; settable for tests.</summary>
    public long MinimumAgeMs { get; set; }

    /// <summary>Entries in the queue, dead ones included (for tests).</summary>
    public int Queued => _order.Count;

    /// <summary>A handshake began on <paramref name="transport"/> (the socket's own transport, under any TLS).</summary>
    public void Started(DuplexTransport transport, long deadline) => _order.Enqueue((transport, deadline));

    /// <summary>
    /// The handshake has its request and is about to answer it: from here it is not shed, since a 503 written by another
    /// thread could land in the middle of its answer. False when it was shed (or timed out) first: it is being dropped.
    /// </summary>
    /// <remarks>The table's value moves off the deadline by 1 ms: the tick still times the answer out, and the queue sees the entry as dead.</remarks>
    public bool TryClaim(DuplexTransport transport, long deadline) => _handshakes.TryUpdate(transport, deadline + 1, deadline);

    /// <summary>
    /// Drops the oldest handshake that has lasted at least <see cref="MinimumAgeMs"/> and returns true; false when there
    /// is none (the oldest in progress is younger, or there are none).
    /// </summary>
    public bool TryShedOldest(long now)
    {
        long startedBy = now - MinimumAgeMs;
        for (int skipped = 0; skipped < MaxDeadSkipped; skipped++)
        {
            (DuplexTransport Transport, long Deadline) oldest;
            lock (_head)
            {
                if (!_order.TryPeek(out oldest))
                {
                    return false;
                }
                // A read of the table takes no lock: nothing is taken under this one.
                bool inProgress = _handshakes.TryGetValue(oldest.Transport, out long mark) && mark == oldest.Deadline;
                if (inProgress && oldest.Deadline - _timeoutMs > startedBy)
                {
                    // The oldest is too young; every other one is younger still.
                    return false;
                }
                _order.TryDequeue(out _);
                if (!inProgress)
                {
                    continue;
                }
            }
            // Taken off the queue, so this caller alone tries it. Lost only to the handshake's own claim (it has its
            // request) or the tick: then it has ended, and the next is tried.
            if (_handshakes.TryUpdate(oldest.Transport, ShedMark, oldest.Deadline))
            {
                if (_answers)
                {
                    oldest.Transport.AbortWithAnswer(ConnectionAdmission.Refusal);
                }
                else
                {
                    oldest.Transport.Abort();
                }
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// From the tick: drops the dead entries at the head, so that the queue holds no more than the handshakes begun
    /// within about one timeout. Past <see cref="_maxQueued"/> entries (a live handshake at the head, below the limit
    /// so never shed, holding back every ended one behind it, as it may for a whole long timeout), live entries at the
    /// head are moved to the tail too, until the dead ones between are gone: the queue then stays bounded, and a
    /// handshake moved back is shed later than its age says, but still shed.
    /// </summary>
    public void Trim()
    {
        lock (_head)
        {
            // Bounded: each step takes one entry off, and at most the entries there at the start are looked at.
            for (int left = _order.Count; left > 0 && _order.TryPeek(out var oldest); left--)
            {
                bool inProgress = _handshakes.TryGetValue(oldest.Transport, out long mark) && mark == oldest.Deadline;
                if (inProgress && _order.Count <= _maxQueued)
                {
                    return;
                }
                _order.TryDequeue(out _);
                if (inProgress)
                {
                    _order.Enqueue(oldest);
                }
            }
        }
    }
}
