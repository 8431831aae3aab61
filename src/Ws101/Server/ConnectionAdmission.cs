using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>
/// Decides, as each socket is accepted, whether the server takes it: within the connection limit (MaxConnections, fitted
/// to the process's file-descriptor limit at start) and not within <see cref="DescriptorBudget.FixedHeadroom"/> descriptors
/// of that limit. At the limit, a newcomer takes the place of the oldest connection still in its handshake if that has
/// lasted long enough (<see cref="HandshakeShedding"/>); everything else is answered 503 and closed on the spot. When
/// accept itself fails for want of a descriptor, it backs off; refusals, sheds and failures are logged once per interval
/// with their count, never one line each.
/// </summary>
/// <remarks>
/// Why the limit matters more than memory: the .NET runtime opens descriptors at moments it chooses (on Linux a pipe for
/// every thread it starts; the file of every assembly it loads), and a thread-pool thread it cannot start ends the process
/// ("Out of memory."). A server that accepts until accept fails leaves it none.
/// </remarks>
internal sealed class ConnectionAdmission : IDisposable
{
    private const long ReportIntervalMs = 5000;
    private const long RestoreIntervalMs = 1000;

    // How far the count may go over the limit while shed connections are still being counted out: a shed handshake
    // leaves (Leave) only when its task has seen the abort, a moment later, and the newcomer is counted in at once. Its
    // descriptor is closed by the shed itself, so this costs no descriptors (and NearDescriptorLimit still judges every
    // newcomer's own); past it, newcomers are refused until the shed ones have left.
    internal const int MaxShedsPending = 128;

    // Written as it is to every connection refused here: built once, so a refusal allocates nothing.
    private static readonly byte[] s_refusal = HandshakeRejection.ByApplication(503, "The server is at its connection limit; try again later.",
        [new("Retry-After", "5")]).ToResponseBytes();

    /// <summary>The 503 a refused connection is answered with, and a shed one too (<see cref="HandshakeShedding"/>).</summary>
    internal static ReadOnlySpan<byte> Refusal => s_refusal;

    private readonly ILogger _logger;
    private readonly HandshakeShedding? _shedding;
    private readonly int _configured;
    private int _max;
    private int _count;
    private bool _limitKnown;
    // The descriptor limit as last read: at start, then once per tick (it can be lowered while the process runs), not on
    // every accept, where reading it was a system call per connection.
    private long _descriptorLimit = long.MaxValue;
    private DescriptorReserve? _reserve;
    private long _nextRestore;

    private int _refusedAtLimit;
    private int _shed;
    private int _refusedNearDescriptorLimit;
    private int _acceptFailures;
    private int _lastAcceptError;
    private long _pressureSince;
    private long _nextReport;

    /// <param name="maxConnections">The connection limit as configured (lowered to fit the descriptor limit at start).</param>
    /// <param name="logger">Where the interval reports go.</param>
    /// <param name="shedding">Where to find a handshake to drop at the limit; none: newcomers over the limit are refused.</param>
    public ConnectionAdmission(int maxConnections, ILogger logger, HandshakeShedding? shedding = null)
    {
        _configured = _max = maxConnections;
        _logger = logger;
        _shedding = shedding;
    }

    /// <summary>The connection limit in force.</summary>
    public int MaxConnections => Volatile.Read(ref _max);

    /// <summary>Connections taken and not yet ended (handshakes included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Opens the spare descriptors; first thing at start, so that they are among the lowest numbers (see <see cref="AcceptFailedAsync"/>).</summary>
    public void OpenReserve() => _reserve = DescriptorReserve.Open(DescriptorBudget.SpareCount);

    /// <summary>Fits the limit to the descriptors left once everything else the server needs is open; logs when it lowers the option.</summary>
    public void FitToDescriptorLimit()
    {
        if (DescriptorBudget.ReadLimit() is not { } limit)
        {
            return;
        }
        _limitKnown = true;
        Volatile.Write(ref _descriptorLimit, limit);
        int open = DescriptorBudget.CountOpen();
        _max = DescriptorBudget.MaxConnections(_configured, limit, open);
        if (_max < _configured)
        {
            ServerLog.MaxConnectionsLowered(_logger, _configured, _max, limit, DescriptorBudget.Reserve(limit, open), open, DescriptorBudget.FixedHeadroom, DescriptorBudget.ProportionalHeadroomDivisor);
        }
    }

    /// <summary>
    /// Counts the socket in and returns true, or answers it 503, closes it and returns false. Counted here, before the
    /// socket is handed on, so the limit holds however fast connections arrive; a refused one holds nothing afterwards.
    /// </summary>
    public bool TryAdmit(Socket socket)
    {
        if (TryEnter(socket.Handle) is not { } reason)
        {
            return true;
        }
        Refuse(socket, reason);
        return false;
    }

    /// <summary>
    /// <see cref="TryAdmit(Socket)"/> for a descriptor accepted by the event loop: true when counted in; otherwise it was
    /// answered 503 and closed (through a <see cref="Socket"/> made for it then: refusals are rare, admissions are not).
    /// </summary>
    public bool TryAdmit(int fd)
    {
        if (TryEnter(fd) is not { } reason)
        {
            return true;
        }
        Refuse(new Socket(new SafeSocketHandle(fd, ownsHandle: true)), reason);
        return false;
    }

    /// <summary>Counts a connection in and returns null, or returns why it is refused (counted out again).</summary>
    private string? TryEnter(nint descriptor)
    {
        int count = Interlocked.Increment(ref _count);
        int max = Volatile.Read(ref _max);
        // Over the limit, a handshake is shed only for a newcomer that will be kept: not past the sheds pending, and not
        // for one whose descriptor is refused anyway (it is refused here, as at the limit it always was).
        if (count > max && (count > max + MaxShedsPending || NearDescriptorLimit(descriptor) || !TryShed()))
        {
            Interlocked.Decrement(ref _count);
            return "connection-limit";
        }
        if (NearDescriptorLimit(descriptor))
        {
            Interlocked.Decrement(ref _count);
            return "descriptor-limit";
        }
        return null;
    }

    /// <summary>
    /// Over the limit: drops the oldest handshake old enough, counted and reported, and so makes room for the newcomer,
    /// which is counted in at once (the shed one is counted out when its task ends, see <see cref="MaxShedsPending"/>).
    /// </summary>
    private bool TryShed()
    {
        if (_shedding is null || !_shedding.TryShedOldest(Environment.TickCount64))
        {
            return false;
        }
        Note(ref _shed);
        Ws101Metrics.Rejected("handshake-shed");
        return true;
    }

    private void Refuse(Socket socket, string reason)
    {
        if (reason == "connection-limit")
        {
            Refuse(socket, ref _refusedAtLimit, reason);
        }
        else
        {
            Refuse(socket, ref _refusedNearDescriptorLimit, reason);
        }
    }

    /// <summary>An admitted connection ended.</summary>
    public void Leave() => Interlocked.Decrement(ref _count);

    /// <summary>
    /// Accept failed: counts it and waits before the next attempt (10 ms doubling to 1 s; returns the delay to pass back
    /// next time, 0 after a success). With no descriptor left (EMFILE, ENFILE) the limit drops to the connections open now
    /// minus the headroom, and the spare descriptors are released: they are among the lowest numbers, so they are usable
    /// even when the limit was lowered below what the process holds. The runtime then has room again, and the next
    /// accepts take the clients waiting in the backlog and answer them 503 at once instead of leaving them hanging.
    /// </summary>
    public async Task<int> AcceptFailedAsync(SocketError error, int backoffMs, CancellationToken cancellationToken)
    {
        int delay = AcceptFailed(error, backoffMs);
        if (delay == 0)
        {
            return 0;
        }
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return delay;
    }

    /// <summary>
    /// <see cref="AcceptFailedAsync"/> without the wait: counts the failure, lowers the limit and releases the spare
    /// descriptors as it does, and returns how long to pause before the next attempt (0: at once, the spares were just
    /// given back). For the accept loops that wait without the thread pool: a thread of its own (Sockets transport on
    /// Linux) or an event loop's epoll timeout (see <see cref="Transport.Linux.EpollListener.BackOffAsync"/>).
    /// </summary>
    public int AcceptFailed(SocketError error, int backoffMs)
    {
        Note(ref _acceptFailures);
        Volatile.Write(ref _lastAcceptError, (int)error);
        Ws101Metrics.AcceptErrors.Add(1, new KeyValuePair<string, object?>("error.type", error.ToString()));
        if (error == SocketError.TooManyOpenSockets)
        {
            int lowered = Math.Max(1, Count - DescriptorBudget.FixedHeadroom);
            int current;
            while ((current = Volatile.Read(ref _max)) > lowered && Interlocked.CompareExchange(ref _max, lowered, current) != current)
            {
            }
            if (_reserve?.Release() == true)
            {
                Volatile.Write(ref _nextRestore, Environment.TickCount64 + RestoreIntervalMs);
                return 0;
            }
        }
        return Math.Clamp(backoffMs * 2, 10, 1000);
    }

    /// <summary>
    /// From the server's timer, one tick at a time (never two at once, or an interval could be reported twice): takes the
    /// spare descriptors back when there is room, and reports what was refused.
    /// </summary>
    public void OnTick(long now)
    {
        if (_limitKnown && DescriptorBudget.ReadLimit() is { } limit)
        {
            Volatile.Write(ref _descriptorLimit, limit);
        }
        if (_reserve is { IsHeld: false } reserve && now >= Volatile.Read(ref _nextRestore))
        {
            Volatile.Write(ref _nextRestore, now + RestoreIntervalMs);
            reserve.TryRestore();
        }
        if (now < Volatile.Read(ref _nextReport))
        {
            return;
        }
        int refused = Interlocked.Exchange(ref _refusedAtLimit, 0);
        int shed = Interlocked.Exchange(ref _shed, 0);
        int nearLimit = Interlocked.Exchange(ref _refusedNearDescriptorLimit, 0);
        int failures = Interlocked.Exchange(ref _acceptFailures, 0);
        long since = Interlocked.Exchange(ref _pressureSince, 0);
        if (refused == 0 && shed == 0 && nearLimit == 0 && failures == 0)
        {
            return;
        }
        Volatile.Write(ref _nextReport, now + ReportIntervalMs);
        double seconds = Math.Max(0.1, (now - (since == 0 ? now : since)) / 1000.0);
        if (failures > 0)
        {
            var error = (SocketError)Volatile.Read(ref _lastAcceptError);
            ServerLog.AcceptFailed(_logger, failures, seconds, error, error == SocketError.TooManyOpenSockets ? " (no file descriptor left)" : "", MaxConnections, Count);
        }
        if (shed > 0)
        {
            ServerLog.ShedAtConnectionLimit(_logger, shed, _shedding!.MinimumAgeMs / 1000.0, seconds, MaxConnections, Count);
        }
        if (refused > 0)
        {
            ServerLog.RefusedAtConnectionLimit(_logger, refused, seconds, MaxConnections, Count);
        }
        if (nearLimit > 0)
        {
            ServerLog.RefusedNearDescriptorLimit(_logger, nearLimit, seconds, DescriptorBudget.FixedHeadroom, DescriptorBudget.ReadLimit(), Count);
        }
    }

    public void Dispose() => _reserve?.Dispose();

    /// <summary>
    /// True when the descriptor is within <see cref="DescriptorBudget.FixedHeadroom"/> of the process's limit (as read at
    /// the last tick: it can be lowered while the process runs). Other code in the process opens descriptors too; Linux
    /// hands out the lowest free descriptor, so a socket numbered N means every descriptor below N is in use.
    /// </summary>
    private bool NearDescriptorLimit(nint descriptor) =>
        _limitKnown && (long)descriptor >= Volatile.Read(ref _descriptorLimit) - DescriptorBudget.FixedHeadroom;

    /// <summary>
    /// Answers 503 and closes, without waiting: the socket is non-blocking and new, so the short answer fits its send
    /// buffer. What the client already sent is read first, so that the close sends FIN rather than a reset that could
    /// discard the answer before the client reads it.
    /// </summary>
    private void Refuse(Socket socket, ref int counter, string reason)
    {
        Note(ref counter);
        Ws101Metrics.RejectedConnections.Add(1, new KeyValuePair<string, object?>("error.type", reason));
        try
        {
            socket.Blocking = false;
            socket.Send(s_refusal, SocketFlags.None, out _);
            socket.Shutdown(SocketShutdown.Send);
            Span<byte> sink = stackalloc byte[1024];
            for (int i = 0; i < 16 && socket.Receive(sink, SocketFlags.None, out SocketError error) > 0 && error == SocketError.Success; i++)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void Note(ref int counter)
    {
        Interlocked.Increment(ref counter);
        Interlocked.CompareExchange(ref _pressureSince, Environment.TickCount64, 0);
    }
}
