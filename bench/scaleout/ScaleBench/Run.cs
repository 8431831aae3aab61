using System.Diagnostics;

namespace ScaleBench;

/// <summary>The parts every scenario shares: a fixed-rate publisher, the warm-up, waiting for the last deliveries, CPU time.</summary>
internal static class Run
{
    /// <summary>Publishes <paramref name="count"/> messages at <paramref name="rate"/> per second; returns how long it took.</summary>
    public static async Task<TimeSpan> PublishAtRateAsync(IPublisher publisher, double rate, long count, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        double interval = Stopwatch.Frequency / rate;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        long seq = 0;
        while (seq < count)
        {
            long now = Stopwatch.GetTimestamp();
            // Everything due by now goes out now, stamped with the time it was due.
            while (seq < count && start + (long)(seq * interval) <= now)
            {
                await publisher.PublishAsync(seq, start + (long)(seq * interval));
                seq++;
            }
            if (seq < count)
            {
                await timer.WaitForNextTickAsync(ct);
            }
        }
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>
    /// Publishes warm-up messages (seq -1) until every subscriber has had one (at most <paramref name="limit"/>), every
    /// 100 ms, or less often with many subscribers: at most 20,000 warm-up deliveries a second. Every 100 ms to 10,000
    /// subscribers was 100,000 deliveries a second, more than the two-core box carries, and subscribers that fell behind
    /// were closed as too slow and never warmed up (the first 10,000-subscriber run stopped there).
    /// </summary>
    public static async Task WarmUpAsync(IPublisher publisher, Tally tally, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(Math.Max(0.1, tally.Subscribers / 20_000.0));
        while (tally.Warm < tally.Subscribers)
        {
            if (watch.Elapsed > limit)
            {
                string ended = tally.Ended.Count == 0 ? "none ended" : string.Join(", ", tally.Ended.Select(e => $"{e.Value} ended with {e.Key}"));
                throw new TimeoutException($"only {tally.Warm} of {tally.Subscribers} subscribers got a warm-up message within {limit.TotalSeconds} s ({ended})");
            }
            await publisher.PublishAsync(-1, Stopwatch.GetTimestamp());
            await Task.Delay(interval);
        }
    }

    /// <summary>Waits until every delivery came, or none came for <paramref name="quiet"/> (at most <paramref name="limit"/>).</summary>
    public static async Task SettleAsync(Tally tally, long expected, TimeSpan quiet, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        long last = -1;
        var still = Stopwatch.StartNew();
        while (tally.Deliveries < expected && watch.Elapsed < limit)
        {
            long now = tally.Deliveries;
            if (now != last)
            {
                last = now;
                still.Restart();
            }
            else if (still.Elapsed > quiet)
            {
                return;
            }
            await Task.Delay(50);
        }
    }

    /// <summary>CPU seconds (user + system) a process has used, from /proc.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the state.
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Connects <paramref name="count"/> subscribers, <paramref name="parallel"/> at a time.</summary>
    public static async Task<List<Func<Task>>> ConnectAllAsync(int count, int parallel, Func<int, Task<Func<Task>>> connect)
    {
        var closers = new Func<Task>[count];
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                closers[i] = await connect(i);
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. closers];
    }
}
