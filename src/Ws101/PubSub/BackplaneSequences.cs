using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Ws101.PubSub;

/// <summary>
/// The sequence numbers of backplane envelopes: a publishing node numbers its messages per topic (1, 2, 3...), and a
/// receiving node that sees a number jump knows how many it missed from that node on that topic (while its link was
/// down, or while its subscription was being restored after a failover), even though nobody told it.
/// </summary>
internal sealed class BackplaneSequences
{
    // Bounds on what is remembered: past them the table starts again (a publisher's numbers then restart at 1, which a
    // receiver takes as a new start, not as a gap).
    private const int MaxTopics = 65_536;

    private readonly ConcurrentDictionary<string, StrongBox<long>> _next = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(Guid Node, string Topic), ulong>> _seen = new(StringComparer.Ordinal);

    /// <summary>The number of the next message this node publishes to <paramref name="topic"/>.</summary>
    public ulong Next(string topic)
    {
        if (!_next.TryGetValue(topic, out var counter))
        {
            if (_next.Count >= MaxTopics)
            {
                _next.Clear();
            }
            counter = _next.GetOrAdd(topic, static _ => new StrongBox<long>());
        }
        return (ulong)Interlocked.Increment(ref counter.Value);
    }

    /// <summary>
    /// How far below the highest number seen a number must fall to be taken as the publisher starting again rather than
    /// as a late copy: far more than a publisher can have in flight at once (a message overtaken around a failover is
    /// at most a few publishes behind), far less than the numbers a long-lived publisher reaches.
    /// </summary>
    internal const ulong NewStartDistance = 1 << 20;

    /// <summary>
    /// Notes message <paramref name="sequence"/> of <paramref name="node"/> on <paramref name="topic"/>, received through
    /// <paramref name="subscription"/>, and says whether to deliver it. Delivered: the first message, and each one
    /// numbered above the highest delivered so far, with <paramref name="missed"/> the numbers it skipped (counted once,
    /// here, and never delivered later). Dropped (false, nothing counted): a number at or below the highest delivered,
    /// which is a copy of one delivered, or one that arrived after a later one and was counted missed when that later
    /// one skipped it; delivering it would break the order and, for a copy, deliver it twice. Redis keeps a publisher's
    /// order on one node only: around a cluster failover the publishing client routes the slot to different nodes as
    /// its layout changes, and a publish sent to one that no longer serves the slot, redirected from there, reaches the
    /// new master after later ones sent straight to it (seen in RedisClusterTests: 573, 574, 571, 572 on one
    /// subscription). So what this node's subscribers lack of a publisher's run is exactly what was counted missed,
    /// whatever order the numbers came in. A number of 1 after higher ones, or one more than
    /// <see cref="NewStartDistance"/> below the highest, is the publisher starting again (a restart with the same node
    /// id, or its table of topics filled up): a new start, delivered, counting nothing.
    /// </summary>
    public bool TryObserve(string subscription, Guid node, string topic, ulong sequence, out long missed)
    {
        missed = 0;
        var seen = _seen.GetOrAdd(subscription, static _ => new());
        if (seen.Count >= MaxTopics)
        {
            seen.Clear();
        }
        var key = (node, topic);
        // A subscription's messages come in one at a time, but while it moves between connections its old and new
        // queues may both hand them in: compare and swap, so that each number is judged against the true highest.
        while (true)
        {
            if (!seen.TryGetValue(key, out ulong highest))
            {
                if (seen.TryAdd(key, sequence))
                {
                    return true;
                }
                continue;
            }
            bool newStart = sequence <= highest && ((sequence == 1 && highest > 1) || highest - sequence > NewStartDistance);
            if (sequence <= highest && !newStart)
            {
                return false;
            }
            if (seen.TryUpdate(key, sequence, highest))
            {
                missed = newStart ? 0 : (long)(sequence - highest - 1);
                return true;
            }
        }
    }

    /// <summary>Forgets what <paramref name="subscription"/> saw: it ended, and a later one starts afresh.</summary>
    public void Forget(string subscription) => _seen.TryRemove(subscription, out _);
}
