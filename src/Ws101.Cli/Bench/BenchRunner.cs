using System.Diagnostics;
using HdrHistogram;

namespace Ws101.Cli.Bench;

/// <summary>
/// One run against one server: starts the load loops, waits for the connections to open, runs the warm-up and the measured
/// window on a schedule every loop follows, reads the server's /proc figures at the window's edges, stops the loops and
/// merges what they counted.
/// </summary>
internal sealed class BenchRunner : IDisposable
{
    private static readonly TimeSpan FanoutDrain = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);

    private readonly LoadPlan _plan;
    private readonly RunSchedule _schedule = new();
    private readonly List<ILoadLoop> _loops = [];
    private readonly ServerProcess? _server;
    private readonly long _createdAt = Stopwatch.GetTimestamp();
    private string _phase = "opening";
    private int _openAtWindowEnd;
    private int _openAtSettle;
    private Action _tick = () => { };
    private CancellationToken _cancellation;
    private long _nextTick;

    public BenchRunner(LoadPlan plan, int? serverPid)
    {
        _plan = plan;
        _server = serverPid is { } pid ? new ServerProcess(pid) : null;
        var s = plan.Settings;
        int total = s.Connections + (s.Mode == BenchMode.Fanout ? 1 : 0);
        int threads = Math.Min(s.Threads, Math.Max(1, total));
        for (int i = 0; i < threads; i++)
        {
            int share = total / threads + (i < total % threads ? 1 : 0);
            _loops.Add(plan.Url.Scheme == "wss"
                ? new TlsLoadLoop(plan, _schedule, share, i) { AcceptAnyCertificate = s.AcceptAnyCertificate }
                : new LoadLoop(plan, _schedule, share, withPublisher: s.Mode == BenchMode.Fanout && i == 0, i));
        }
    }

    /// <summary>The running figures, for the live progress.</summary>
    public BenchProgress Snapshot()
    {
        long now = Stopwatch.GetTimestamp();
        long warm = _schedule.WarmupStartsAt;
        double elapsed, length;
        string phase = _phase;
        if (warm == 0)
        {
            elapsed = Stopwatch.GetElapsedTime(_createdAt, now).TotalSeconds;
            length = 0;
        }
        else if (now < _schedule.MeasureStartsAt)
        {
            elapsed = (now - warm) / (double)Stopwatch.Frequency;
            length = _plan.Settings.Warmup.TotalSeconds;
        }
        else
        {
            elapsed = Math.Min((now - _schedule.MeasureStartsAt) / (double)Stopwatch.Frequency, _plan.Settings.Duration.TotalSeconds);
            length = _plan.Settings.Duration.TotalSeconds;
        }
        long completed = 0, published = 0, errors = 0;
        int open = 0;
        foreach (var loop in _loops)
        {
            var st = loop.Stats;
            completed += _plan.Settings.Mode == BenchMode.Handshakes ? Volatile.Read(ref st.Handshakes) : Volatile.Read(ref st.Messages);
            published += Volatile.Read(ref st.Published);
            open += Volatile.Read(ref st.Open);
            errors += st.Errors.Total;
        }
        return new BenchProgress(phase, elapsed, length, completed, published, open, _plan.Settings.Connections, errors);
    }

    /// <summary>
    /// Runs the whole schedule on the calling thread, calling <paramref name="tick"/> about four times a second for the
    /// live view; <paramref name="cancellationToken"/> (Ctrl+C) ends it early with what was measured. No thread-pool
    /// work: a pool thread that wakes and spins for work would steal the load loop's core.
    /// </summary>
    public BenchResult Run(Action tick, CancellationToken cancellationToken)
    {
        _tick = tick;
        _cancellation = cancellationToken;
        var s = _plan.Settings;
        long? rssBefore = _server?.ResidentBytes();
        foreach (var loop in _loops)
        {
            loop.Start();
        }
        string? stopped = null;
        (double User, double System)? cpu0 = null, cpu1 = null;
        long? rssAfter = null;
        TimeSpan client0 = TimeSpan.Zero, client1 = TimeSpan.Zero;
        try
        {
            while (!_loops.All(l => l.Stats.OpeningDone))
            {
                Sleep(TimeSpan.FromMilliseconds(20));
            }
            if (s.Mode != BenchMode.Handshakes && OpenNow() == 0)
            {
                stopped = "no connection opened";
            }
            else
            {
                _schedule.Start(Stopwatch.GetTimestamp(), s.Warmup, s.Duration);
                _phase = s.Mode == BenchMode.Idle ? "settling" : "warm-up";
                stopped = SleepUntil(_schedule.MeasureStartsAt);
                rssAfter = _server?.ResidentBytes();
                _openAtSettle = OpenNow();
                cpu0 = _server?.CpuTimes();
                client0 = Process.GetCurrentProcess().TotalProcessorTime;
                _phase = s.Mode == BenchMode.Idle ? "holding" : "measuring";
                stopped ??= SleepUntil(_schedule.MeasureEndsAt);
                cpu1 = _server?.CpuTimes();
                client1 = Process.GetCurrentProcess().TotalProcessorTime;
                _openAtWindowEnd = OpenNow();
                if (s.Mode != BenchMode.Idle)
                {
                    rssAfter = _server?.ResidentBytes();
                }
                WaitForWindowEnd();
                if (s.Mode == BenchMode.Fanout && stopped is null)
                {
                    _phase = "draining";
                    Drain();
                }
            }
        }
        catch (OperationCanceledException)
        {
            stopped = "interrupted";
        }
        _phase = "closing";
        _schedule.RequestStop();
        foreach (var loop in _loops)
        {
            if (!loop.Join(JoinTimeout))
            {
                throw new InvalidOperationException($"load loop {loop.Id} did not stop within {JoinTimeout.TotalSeconds} s");
            }
        }
        if (_loops.FirstOrDefault(l => l.Fault is not null) is { } faulted)
        {
            throw new InvalidOperationException($"load loop {faulted.Id} failed: {faulted.Fault!.Message}", faulted.Fault);
        }
        return Merge(stopped, rssBefore, rssAfter, cpu0, cpu1, client1 - client0);
    }

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    private int OpenNow() => _loops.Sum(l => Volatile.Read(ref l.Stats.Open));

    /// <summary>Sleeps for <paramref name="time"/> (a Ctrl+C wakes it), ticking the live view about every 250 ms.</summary>
    private void Sleep(TimeSpan time)
    {
        long end = Stopwatch.GetTimestamp() + RunSchedule.ToTicks(time);
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= _nextTick)
            {
                _nextTick = now + RunSchedule.ToTicks(TickInterval);
                _tick();
            }
            long left = end - now;
            if (left <= 0)
            {
                return;
            }
            long slice = Math.Min(left, _nextTick - now);
            if (_cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Max(slice, 0) / (double)Stopwatch.Frequency)))
            {
                throw new OperationCanceledException(_cancellation);
            }
        }
    }

    /// <summary>Sleeps until <paramref name="ticks"/>; returns why it stopped early (every connection closed), or null.</summary>
    private string? SleepUntil(long ticks)
    {
        while (true)
        {
            long left = ticks - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return null;
            }
            if (_plan.Settings.Mode != BenchMode.Handshakes && OpenNow() == 0)
            {
                return "every connection closed";
            }
            Sleep(TimeSpan.FromSeconds(Math.Min(0.25, left / (double)Stopwatch.Frequency)));
        }
    }

    /// <summary>Each loop notices the window's end on its next turn (within its 10 ms epoll timeout).</summary>
    private void WaitForWindowEnd()
    {
        for (int i = 0; i < 100 && _loops.Any(l => Volatile.Read(ref l.Stats.MeasureEndedAt) == 0 && l.Fault is null); i++)
        {
            Sleep(TimeSpan.FromMilliseconds(10));
        }
    }

    /// <summary>Fanout: waits until every message published in the window has reached every subscriber, or 2 s.</summary>
    private void Drain()
    {
        long deadline = Stopwatch.GetTimestamp() + RunSchedule.ToTicks(FanoutDrain);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            long published = _loops.Sum(l => Volatile.Read(ref l.Stats.PublishedMeasured));
            long delivered = _loops.Sum(l => Volatile.Read(ref l.Stats.DeliveredMeasured));
            if (delivered >= published * Subscribers())
            {
                return;
            }
            Sleep(TimeSpan.FromMilliseconds(10));
        }
    }

    /// <summary>Subscribers open now: every open connection but the publisher.</summary>
    private int Subscribers() => Math.Max(0, OpenNow() - 1);

    private BenchResult Merge(string? stopped, long? rssBefore, long? rssAfter, (double User, double System)? cpu0, (double User, double System)? cpu1, TimeSpan clientCpu)
    {
        var s = _plan.Settings;
        var errors = new ErrorTally();
        var latency = new LongHistogram(LoopStats.HighestLatency, 3);
        var timeline = new long[_plan.Seconds];
        long messages = 0, bytes = 0, handshakes = 0, opened = 0, published = 0, delivered = 0;
        int unanswered = 0;
        double window = 0;
        foreach (var loop in _loops)
        {
            var st = loop.Stats;
            errors.Add(st.Errors);
            latency.Add(st.Latency);
            for (int i = 0; i < timeline.Length; i++)
            {
                timeline[i] += st.PerSecond[i];
            }
            if (st.MeasureStartedAt != 0)
            {
                long end = st.MeasureEndedAt != 0 ? st.MeasureEndedAt : Stopwatch.GetTimestamp();
                if (st.MeasureEndedAt == 0)
                {
                    st.MessagesAtEnd = st.Messages;
                    st.BytesAtEnd = st.Bytes;
                    st.HandshakesAtEnd = st.Handshakes;
                }
                window = Math.Max(window, (end - st.MeasureStartedAt) / (double)Stopwatch.Frequency);
                messages += st.MessagesAtEnd - st.MessagesAtStart;
                bytes += st.BytesAtEnd - st.BytesAtStart;
                handshakes += st.HandshakesAtEnd - st.HandshakesAtStart;
            }
            opened += s.Mode == BenchMode.Handshakes ? st.Handshakes : st.Opened;
            published += st.PublishedMeasured;
            delivered += st.DeliveredMeasured;
            unanswered += st.UnansweredCloses;
        }
        int openAtEnd = _openAtWindowEnd;
        FanoutFigures? fanout = null;
        if (s.Mode == BenchMode.Fanout)
        {
            int subscribers = Math.Max(0, openAtEnd - 1);
            messages = delivered;
            bytes = delivered * s.Size;
            long expected = published * subscribers;
            fanout = new FanoutFigures(published, window > 0 ? published / window : 0, subscribers, expected, delivered, Math.Max(0, expected - delivered));
        }
        long operations = s.Mode == BenchMode.Handshakes ? handshakes : messages;
        ServerFigures? server = null;
        if (_server is not null)
        {
            double? cpu = cpu0 is { } a && cpu1 is { } b ? b.User + b.System - a.User - a.System : null;
            double? system = cpu0 is { } a0 && cpu1 is { } b1 ? b1.System - a0.System : null;
            server = new ServerFigures
            {
                Pid = _server.Pid,
                RssBeforeBytes = rssBefore,
                RssAfterBytes = rssAfter,
                BytesPerConnection = s.Mode == BenchMode.Idle && rssBefore is { } before && rssAfter is { } after && _openAtSettle > 0
                    ? (after - before) / (double)_openAtSettle
                    : null,
                CpuCores = cpu is { } c && window > 0 ? c / window : null,
                SystemCpuCores = system is { } k && window > 0 ? k / window : null,
                CpuUsPerOperation = cpu is { } used && operations > 0 ? used * 1e6 / operations : null,
            };
        }
        var errorList = errors.ToList();
        int keep = (int)Math.Min(timeline.Length, Math.Ceiling(s.Warmup.TotalSeconds + Math.Max(window, 0)));
        return new BenchResult
        {
            Url = _plan.Url.ToString(),
            Seconds = window,
            Connections = s.Connections,
            Opened = opened,
            OpenAtEnd = openAtEnd,
            Messages = messages,
            MessagesPerSecond = window > 0 ? messages / window : 0,
            MibPerSecond = window > 0 ? bytes / window / (1024.0 * 1024.0) : 0,
            Handshakes = handshakes,
            HandshakesPerSecond = window > 0 ? handshakes / window : 0,
            Fanout = fanout,
            Latency = latency.TotalCount > 0 && s.Mode != BenchMode.Idle ? Summarize(latency) : null,
            Errors = errors.Total,
            ErrorDetails = errorList,
            CloseCodes = errorList.Where(e => e.Kind == "closed").ToDictionary(e => e.Detail, e => e.Count),
            UnansweredCloses = unanswered,
            Server = server,
            ClientCpuCores = window > 0 ? clientCpu.TotalSeconds / window : 0,
            Timeline = timeline[..keep],
            WarmupSeconds = s.Warmup.TotalSeconds,
            Stopped = stopped,
            Distribution = latency.TotalCount > 0 ? Distribution(latency) : [],
        };
    }

    private static LatencySummary Summarize(LongHistogram h) => new(
        h.TotalCount,
        Us(h.GetValueAtPercentile(50)),
        Us(h.GetValueAtPercentile(90)),
        Us(h.GetValueAtPercentile(99)),
        Us(h.GetValueAtPercentile(99.9)),
        Us(h.GetMaxValue()),
        h.GetMean() / 1000.0);

    private static double Us(long ns) => ns / 1000.0;

    private static List<(double, double)> Distribution(LongHistogram h) =>
        [.. h.Percentiles(5).Select(v => (v.Percentile, Us(v.ValueIteratedTo)))];
}
