using System.Diagnostics;
using HdrHistogram;

namespace ScaleBench;

/// <summary>
/// What every subscriber of a run received: per subscriber, which sequence numbers (so that losses, duplicates and
/// reordering are counted exactly), and for all of them the end-to-end latency from the publisher's scheduled send time.
/// </summary>
internal sealed class Tally(int subscribers, int capacity)
{
    private readonly byte[][] _seen = Enumerable.Range(0, subscribers).Select(_ => new byte[capacity]).ToArray();
    private readonly long[] _last = Enumerable.Repeat(-1L, subscribers).ToArray();
    private long _deliveries, _duplicates, _reordered, _warmups;

    // 1 µs to 120 s, 3 significant digits.
    public LongConcurrentHistogram Latency { get; } = new(1, 1, 120_000_000, 3);

    public long Deliveries => Interlocked.Read(ref _deliveries);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Reordered => Interlocked.Read(ref _reordered);

    public int Subscribers => subscribers;

    /// <summary>How many subscribers have had at least one warm-up message.</summary>
    public int Warm => _warm.Count;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _warm = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _ended = new();

    /// <summary>Subscribers whose connection ended during the run, by how (close code and reason, or the error).</summary>
    public IReadOnlyDictionary<string, int> Ended => _ended;

    /// <summary>Subscriber <paramref name="who"/>'s connection ended before the run did: counted, so that a run that misses deliveries says why.</summary>
    public void RecordEnded(int who, string how) => _ended.AddOrUpdate(how, 1, (_, n) => n + 1);

    /// <summary>Subscriber <paramref name="who"/> received <paramref name="seq"/>, scheduled at <paramref name="scheduled"/> (a Stopwatch timestamp).</summary>
    public void Record(int who, long seq, long scheduled)
    {
        long now = Stopwatch.GetTimestamp();
        if (seq < 0)
        {
            _warm.TryAdd(who, true);
            Interlocked.Increment(ref _warmups);
            return;
        }
        if (seq >= capacity)
        {
            return;
        }
        // Each subscriber is recorded from one receive loop at a time, so its own row needs no lock.
        var seen = _seen[who];
        if (seen[seq] != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        seen[seq] = 1;
        if (seq < _last[who])
        {
            Interlocked.Increment(ref _reordered);
        }
        _last[who] = Math.Max(_last[who], seq);
        Interlocked.Increment(ref _deliveries);
        long micros = (now - scheduled) * 1_000_000 / Stopwatch.Frequency;
        Latency.RecordValue(Math.Clamp(micros, 1, 120_000_000));
    }

    /// <summary>Deliveries missing from subscribers <paramref name="from"/> to <paramref name="to"/> (exclusive) among the first <paramref name="published"/> messages.</summary>
    public long Missing(long published, int from = 0, int to = -1)
    {
        long missing = 0;
        for (int s = from; s < (to < 0 ? subscribers : to); s++)
        {
            var seen = _seen[s];
            for (long q = 0; q < published; q++)
            {
                if (seen[q] == 0)
                {
                    missing++;
                }
            }
        }
        return missing;
    }

    /// <summary>Messages (of the first <paramref name="published"/>) that at least one subscriber in the range never got.</summary>
    public long MessagesMissedByAny(long published, int from = 0, int to = -1)
    {
        long count = 0;
        for (long q = 0; q < published; q++)
        {
            for (int s = from; s < (to < 0 ? subscribers : to); s++)
            {
                if (_seen[s][q] == 0)
                {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    public double PercentileMs(double p) => Latency.TotalCount == 0 ? double.NaN : Latency.GetValueAtPercentile(p) / 1000.0;

    public double MaxMs => Latency.TotalCount == 0 ? double.NaN : Latency.GetMaxValue() / 1000.0;
}
