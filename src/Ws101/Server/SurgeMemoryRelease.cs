using Microsoft.Extensions.Logging;

namespace Ws101.Server;

/// <summary>
/// Gives memory back to the operating system once a surge of connections has passed: when the connections open have
/// stayed at a quarter of their peak or less for <see cref="QuietMs"/>, one full, compacting collection that returns
/// what it frees (<see cref="GCCollectionMode.Aggressive"/>), then the peak starts again from the count of that moment.
/// </summary>
/// <remarks>
/// Why: the connections of a surge (a reconnect storm, a flood of clients) live long enough to reach the oldest
/// generation, and a full collection comes only when enough is allocated again. A server left quiet after the surge
/// allocates next to nothing, so it kept the surge's memory for as long as it stayed quiet: 139 MB of RSS for a
/// server back to 0 connections after 19,000 (47 MB before; 59 MB of it dead objects). A busy server reclaims it by
/// itself and never meets this condition for long. Surges under <see cref="MinimumPeak"/> connections are left to the
/// GC. The collection blocks every thread for as long as it takes to compact what is still alive, a quarter of the
/// peak at most, once per surge.
/// </remarks>
internal sealed class SurgeMemoryRelease(ILogger logger)
{
    /// <summary>Smaller peaks are not worth a collection.</summary>
    public const int MinimumPeak = 1000;

    /// <summary>How long the connections must stay low before memory is released.</summary>
    public const long QuietMs = 10_000;

    private int _peak;
    private long _lowSince;
    private int _collecting;

    /// <summary>From the server's timer, with the connections open now (handshakes included).</summary>
    public void OnTick(long now, int connections)
    {
        if (connections > _peak)
        {
            _peak = connections;
        }
        if (_peak < MinimumPeak || connections > _peak / 4)
        {
            _lowSince = 0;
            return;
        }
        if (_lowSince == 0)
        {
            _lowSince = now;
            return;
        }
        if (now - _lowSince < QuietMs || Interlocked.Exchange(ref _collecting, 1) == 1)
        {
            return;
        }
        int peak = _peak;
        _peak = connections;
        _lowSince = 0;
        // Off the timer's thread: the timer also runs handshake deadlines and keepalive.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Self.Release(state.Peak, state.Connections), (Self: this, Peak: peak, Connections: connections), preferLocal: false);
    }

    private void Release(int peak, int connections)
    {
        try
        {
            long before = Environment.WorkingSet;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            ServerLog.SurgeMemoryReleased(logger, peak, connections, before >> 20, Environment.WorkingSet >> 20);
        }
        finally
        {
            Volatile.Write(ref _collecting, 0);
        }
    }
}
