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
    /// Notes message <paramref name="sequence"/> of <paramref name="node"/> on <paramref name="topic"/>, received through
    /// <paramref name="subscription"/> (each subscription receives its own copy, in order); returns how many of that
    /// node's messages on that topic were skipped since the previous one. A first message, or a number that went
    /// back (the publisher started again), is a new start and counts nothing.
    /// </summary>
    public long Observe(string subscription, Guid node, string topic, ulong sequence)
    {
        var seen = _seen.GetOrAdd(subscription, static _ => new());
        if (seen.Count >= MaxTopics)
        {
            seen.Clear();
        }
        var key = (node, topic);
        if (!seen.TryGetValue(key, out ulong last))
        {
            seen[key] = sequence;
            return 0;
        }
        seen[key] = sequence;
        return sequence > last ? (long)(sequence - last - 1) : 0;
    }

    /// <summary>Forgets what <paramref name="subscription"/> saw: it ended, and a later one starts afresh.</summary>
    public void Forget(string subscription) => _seen.TryRemove(subscription, out _);
}
