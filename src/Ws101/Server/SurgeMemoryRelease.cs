using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ws101.Server;

/// <summary>
/// Gives memory back to the operating system around a surge of connections, with one full, compacting collection that
/// returns what it frees (<see cref="GCCollectionMode.Aggressive"/>):
/// <list type="bullet">
/// <item>once a surge has arrived: the open connections grew by <see cref="MinimumSurge"/> or more (and by a quarter of
/// the count at the last release) and then stopped growing for <see cref="SettleMs"/>;</item>
/// <item>once a surge has gone: the connections stayed at a quarter of their peak or less for <see cref="QuietMs"/>.</item>
/// </list>
/// </summary>
/// <remarks>
/// Why, when a surge has gone: the connections of a surge (a reconnect storm, a flood of clients) live long enough to
/// reach the oldest generation, and a full collection comes only when enough is allocated again. A server left quiet
/// after the surge allocates next to nothing, so it kept the surge's memory for as long as it stayed quiet: 139 MB of RSS
/// for a server back to 0 connections after 19,000 (47 MB before; 59 MB of it dead objects). A busy server reclaims it
/// by itself and never meets this condition for long.
/// <para>
/// Why, when a surge has arrived: each handshake leaves garbage (the request's parse, the response) beside the
/// connection it makes. After 10,000 handshakes the heap's youngest part is full of it, and the free space between the
/// survivors stays committed, because nothing triggers a collection on a server whose connections then idle. That was
/// about 850 B of RSS per idle connection, and whether a collection happened to run near the end of the surge made runs
/// differ by hundreds of bytes per connection. The condition waits for the count to stop growing, so that a surge is
/// paid for once, not once per tick; and each release needs a quarter more connections than the last, so a server that
/// grows for good collects a number of times that grows with the logarithm of its size, not with it.
/// </para>
/// <para>
/// Surges under <see cref="MinimumSurge"/> connections are left to the GC. The collection blocks every thread for as
/// long as it takes to compact what is alive (measured in docs/performance.md: tens of milliseconds for 10,000 idle
/// connections), and is logged with its pause.
/// </para>
/// </remarks>
internal sealed class SurgeMemoryRelease(ILogger logger)
{
    /// <summary>Smaller surges, in or out, are not worth a collection.</summary>
    public const int MinimumSurge = 1000;

    /// <summary>How long the connections must stay low after a surge has gone before memory is released.</summary>
    public const long QuietMs = 10_000;

    /// <summary>How long the connections must stop growing after a surge has arrived before memory is released.</summary>
    public const long SettleMs = 3_000;

    private int _peak;
    private long _lowSince;
    private int _base;
    private int _last;
    private long _grewAt;
    private int _collecting;
    // The count the release just decided came from (the base for Arrived, the peak for Gone): the log's "from".
    private int _releasedFrom;

    /// <summary>From the server's timer, with the connections open now (handshakes included).</summary>
    public void OnTick(long now, int connections)
    {
        var release = Decide(now, connections);
        if (release == SurgeRelease.None || Interlocked.Exchange(ref _collecting, 1) == 1)
        {
            return;
        }
        // Off the timer's thread: the timer also runs handshake deadlines and keepalive.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Self.Release(state.Release, state.From, state.Connections),
            (Self: this, Release: release, From: _releasedFrom, Connections: connections), preferLocal: false);
    }

    /// <summary>
    /// Whether this tick releases memory, and why; the state moves on as if it did (a release that cannot start because
    /// one is running is not retried for the same surge). No clock of its own: the time and the count come in, so the
    /// tests drive it tick by tick.
    /// </summary>
    internal SurgeRelease Decide(long now, int connections)
    {
        if (connections > _last)
        {
            _grewAt = now;
        }
        _last = connections;
        if (connections > _peak)
        {
            _peak = connections;
        }
        if (connections >= _base + Math.Max(MinimumSurge, _base / 4) && now - _grewAt >= SettleMs)
        {
            _releasedFrom = _base;
            _base = connections;
            _peak = connections;
            _lowSince = 0;
            return SurgeRelease.Arrived;
        }
        if (connections < _base)
        {
            // Connections that left lower the bar for the next surge in.
            _base = connections;
        }
        if (_peak < MinimumSurge || connections > _peak / 4)
        {
            _lowSince = 0;
            return SurgeRelease.None;
        }
        if (_lowSince == 0)
        {
            _lowSince = now;
            return SurgeRelease.None;
        }
        if (now - _lowSince < QuietMs)
        {
            return SurgeRelease.None;
        }
        _releasedFrom = _peak;
        _peak = connections;
        _lowSince = 0;
        return SurgeRelease.Gone;
    }

    private void Release(SurgeRelease release, int from, int connections)
    {
        try
        {
            long before = Environment.WorkingSet;
            long started = Stopwatch.GetTimestamp();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (release == SurgeRelease.Gone)
            {
                ServerLog.SurgeMemoryReleased(logger, from, connections, before >> 20, Environment.WorkingSet >> 20, ms);
            }
            else
            {
                ServerLog.SurgeSettledMemoryReleased(logger, from, connections, before >> 20, Environment.WorkingSet >> 20, ms);
            }
        }
        finally
        {
            Volatile.Write(ref _collecting, 0);
        }
    }
}
