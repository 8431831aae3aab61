using System.Diagnostics;

namespace Ws101.Cli.Bench;

/// <summary>
/// The phases every load loop of one run follows, in <see cref="Stopwatch"/> ticks: set once by the coordinator when every
/// connection has opened (warm-up, then the measured window), and the stop. Read by the loops between two epoll waits.
/// </summary>
internal sealed class RunSchedule
{
    private long _warmupStartsAt;
    private long _measureStartsAt;
    private long _measureEndsAt;
    private volatile bool _stop;

    /// <summary>When the warm-up started; 0 while the connections are still opening.</summary>
    public long WarmupStartsAt => Volatile.Read(ref _warmupStartsAt);

    /// <summary>When the measured window starts (valid once <see cref="WarmupStartsAt"/> is set).</summary>
    public long MeasureStartsAt => Volatile.Read(ref _measureStartsAt);

    /// <summary>When the measured window ends.</summary>
    public long MeasureEndsAt => Volatile.Read(ref _measureEndsAt);

    /// <summary>Whether the loops should close their connections and end.</summary>
    public bool StopRequested => _stop;

    /// <summary>Starts the warm-up now and places the measured window after it.</summary>
    public void Start(long now, TimeSpan warmup, TimeSpan duration)
    {
        Volatile.Write(ref _measureStartsAt, now + ToTicks(warmup));
        Volatile.Write(ref _measureEndsAt, now + ToTicks(warmup) + ToTicks(duration));
        Volatile.Write(ref _warmupStartsAt, now);
    }

    /// <summary>Asks every loop to close its connections and end.</summary>
    public void RequestStop() => _stop = true;

    /// <summary>A time span in Stopwatch ticks.</summary>
    public static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Stopwatch ticks in nanoseconds.</summary>
    public static long ToNanoseconds(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
