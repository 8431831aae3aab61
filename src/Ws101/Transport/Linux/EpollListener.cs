using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Ws101.Transport.Linux;

/// <summary>
/// A listening socket watched by an <see cref="EventLoop"/>: the server's accept loop waits for the loop's "a connection
/// is waiting" edge, then takes every waiting connection with accept4 until the kernel says there are none left. The wait
/// completes on the loop's thread, so accepting, the handshake and the handler's first steps run there one after another,
/// with no hand-off to the thread pool and no <see cref="Socket"/> object per connection.
/// </summary>
/// <remarks>
/// Edge-triggered, with the same epoch rule as <see cref="EpollSocketTransport"/>: an accept that found the backlog empty
/// records the epoch it started in, and a wait returns at once when the loop has reported an edge since, so no edge is lost
/// between the last accept and the registration of the wait.
/// </remarks>
internal sealed class EpollListener : IValueTaskSource, IDisposable
{
    private readonly int _fd;
    private readonly EventLoop _loop;
    private readonly ulong _id;
    private ManualResetValueTaskSourceCore<bool> _ready;
    private int _waiting;
    private int _epoch;
    private int _drainedAtEpoch = -1;
    // accept4 calls in flight and whether this is disposed (DescriptorUse); the last to leave after the dispose lets go of
    // the socket's handle, which is counted (below) so that the socket's own close waits for that too.
    private int _use;
    private readonly SafeHandle _handle;
    // While backing off: when the retry is due (Environment.TickCount64), 0 otherwise. Edges do not end a back-off.
    private long _retryAt;

    /// <summary>Watches <paramref name="listener"/> (made non-blocking here) from <paramref name="loop"/>; the socket stays the caller's to close.</summary>
    public EpollListener(Socket listener, EventLoop loop)
    {
        listener.Blocking = false;
        // Linux copies TCP_NODELAY from the listening socket to each socket it accepts: set once here, not once per connection.
        listener.NoDelay = true;
        // Held until the last accept4 has returned after Dispose: a close of the socket by its owner meanwhile is put off by
        // the handle until then, so that no accept4 runs on a number the kernel has given to another socket since (another
        // server's listener, whose connection it would take).
        _handle = listener.SafeHandle;
        bool added = false;
        _handle.DangerousAddRef(ref added);
        _fd = (int)_handle.DangerousGetHandle();
        _loop = loop;
        _ready.RunContinuationsAsynchronously = false;
        try
        {
            _id = loop.RegisterListener(this, _fd);
        }
        catch
        {
            _handle.DangerousRelease();
            throw;
        }
    }

    /// <summary>The loop this listener is watched from: where the accept loop runs.</summary>
    public EventLoop Loop => _loop;

    /// <summary>
    /// Completes when a connection may be waiting: at once if the loop reported one since the last accept that found none.
    /// Fails with <see cref="ObjectDisposedException"/> once disposed.
    /// </summary>
    public ValueTask WaitAsync()
    {
        // A back-off that an edge ended early (the accept loop off the loop's thread) has nothing left to time.
        Volatile.Write(ref _retryAt, 0);
        while (true)
        {
            if (DescriptorUse.IsClosed(Volatile.Read(ref _use)))
            {
                return ValueTask.FromException(new ObjectDisposedException(nameof(EpollListener)));
            }
            int epoch = Volatile.Read(ref _epoch);
            if (epoch != Volatile.Read(ref _drainedAtEpoch))
            {
                return ValueTask.CompletedTask;
            }
            _ready.Reset();
            Volatile.Write(ref _waiting, 1);
            if (Volatile.Read(ref _epoch) != epoch && Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
            {
                continue;
            }
            return new ValueTask(this, _ready.Version);
        }
    }

    /// <summary>
    /// Completes after <paramref name="delayMs"/>, on the loop's thread, whatever edges come meanwhile: the pause after a
    /// failed accept (no descriptor left). Timed by the loop's own epoll_wait, not by a <see cref="Task.Delay(int)"/>: the
    /// continuation of a delay runs on the thread pool, which may then start a thread, and on Linux starting one takes a
    /// pipe; with no descriptor left the runtime cannot, and aborts the process ("Out of memory."). Fails with
    /// <see cref="ObjectDisposedException"/> once disposed.
    /// </summary>
    public ValueTask BackOffAsync(int delayMs)
    {
        if (DescriptorUse.IsClosed(Volatile.Read(ref _use)))
        {
            return ValueTask.FromException(new ObjectDisposedException(nameof(EpollListener)));
        }
        long due = Environment.TickCount64 + Math.Max(1, delayMs);
        _ready.Reset();
        Volatile.Write(ref _retryAt, due);
        Volatile.Write(ref _waiting, 1);
        _loop.ScheduleRetry(due);
        return new ValueTask(this, _ready.Version);
    }

    /// <summary>From the loop's thread when a retry may be due: ends the back-off if its time has come, or asks again for its own time.</summary>
    public void OnRetryDue(long now)
    {
        long due = Volatile.Read(ref _retryAt);
        if (due == 0)
        {
            return;
        }
        if (due > now)
        {
            _loop.ScheduleRetry(due);
            return;
        }
        if (Interlocked.CompareExchange(ref _retryAt, 0, due) == due && Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
        {
            _ready.SetResult(true);
        }
    }

    /// <summary>
    /// Accepts one waiting connection: its descriptor (close-on-exec, blocking; the transport passes MSG_DONTWAIT) and the
    /// peer's address; or -1 with errno (EAGAIN when none is waiting, which ends the batch until the next edge).
    /// </summary>
    public unsafe int TryAccept(out PeerAddress remote, out int errno)
    {
        remote = default;
        byte* address = stackalloc byte[NativeSocketAddress.MaxLength];
        while (true)
        {
            int epoch = Volatile.Read(ref _epoch);
            if (!DescriptorUse.TryEnter(ref _use))
            {
                errno = Libc.EBADF;
                return -1;
            }
            uint length = NativeSocketAddress.MaxLength;
            int fd = Libc.accept4(_fd, address, &length, Libc.SOCK_CLOEXEC);
            Leave();
            if (fd >= 0)
            {
                errno = 0;
                remote = PeerAddress.FromNative(new ReadOnlySpan<byte>(address, (int)Math.Min(length, (uint)NativeSocketAddress.MaxLength)));
                return fd;
            }
            errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }
            if (errno == Libc.EAGAIN)
            {
                Volatile.Write(ref _drainedAtEpoch, epoch);
            }
            return -1;
        }
    }

    public void OnEvents(uint events)
    {
        Interlocked.Increment(ref _epoch);
        if (Volatile.Read(ref _retryAt) == 0 && Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
        {
            _ready.SetResult(true);
        }
    }

    /// <summary>Stops watching; a pending wait fails with <see cref="ObjectDisposedException"/>. The socket itself is the caller's.</summary>
    public void Dispose()
    {
        if (!DescriptorUse.TryEnter(ref _use))
        {
            return;
        }
        if (DescriptorUse.TryMarkClosed(ref _use))
        {
            _loop.Unregister(_id, _fd);
            if (Interlocked.CompareExchange(ref _waiting, 0, 1) == 1)
            {
                _ready.SetException(new ObjectDisposedException(nameof(EpollListener)));
            }
        }
        Leave();
    }

    /// <summary>Ends a use of the descriptor; the last one after <see cref="Dispose"/> lets go of the socket's handle.</summary>
    private void Leave()
    {
        if (DescriptorUse.Exit(ref _use))
        {
            _handle.DangerousRelease();
        }
    }

    void IValueTaskSource.GetResult(short token) => _ready.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _ready.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _ready.OnCompleted(continuation, state, token, flags);
}
