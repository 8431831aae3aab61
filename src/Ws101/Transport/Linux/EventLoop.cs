using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Ws101.Transport.Linux;

/// <summary>
/// One thread running epoll (edge-triggered) for many sockets. When a socket becomes readable or writable the
/// waiting receive or send completes on this thread and its continuation — the protocol work and the
/// application's handler — runs right here, with no hand-off to the thread pool. That removes the context
/// switch per message that dominates a .NET WebSocket server's cost; the price is that a handler must not
/// block (like Node.js or uWebSockets): blocking work belongs on the thread pool (<c>await Task.Run(...)</c>).
/// </summary>
internal sealed unsafe class EventLoop : IDisposable
{
    private const int MaxEvents = 256;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    // A connected socket's epoll data is its id: its slot here in the low 32 bits, a registration number in the high ones
    // (see Register). The event that comes once per message then finds its socket with an array read, and an idle
    // connection costs this table a reference rather than a dictionary entry (48 bytes and a bucket).
    private readonly SlotTable<EpollSocketTransport> _sockets = new();
    // Listening sockets apart, their ids tagged with the top bit: the event of a connected socket, the one that comes once
    // per message, is then a direct call to a sealed class rather than an interface dispatch.
    private readonly ConcurrentDictionary<ulong, EpollListener> _listeners = new();
    private const ulong ListenerTag = 1UL << 63;
    private volatile bool _stopping;
    private static long s_nextId;
    private static int s_nextRegistration;
    // The earliest retry a listener asked for (Environment.TickCount64), long.MaxValue when none: the epoll_wait timeout.
    // A listener out of descriptors backs off on this loop's own clock, so that nothing on that path needs the thread
    // pool, a timer or a descriptor, none of which the runtime may be able to create then (see EpollListener.BackOffAsync).
    private long _retryDue = long.MaxValue;

    public EventLoop(string name)
    {
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        _wake = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (_wake < 0)
        {
            Libc.close(_epoll);
            throw new InvalidOperationException($"eventfd failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = 0 };
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, _wake, &ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.close(_wake);
            Libc.close(_epoll);
            throw new InvalidOperationException($"epoll_ctl failed (errno {errno}).");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        try
        {
            // Starting a thread can fail for want of memory or, on Linux, of a descriptor (the runtime's start pipe).
            _thread.Start();
        }
        catch
        {
            Libc.close(_wake);
            Libc.close(_epoll);
            throw;
        }
    }

    /// <summary>True on this loop's own thread.</summary>
    public bool IsOnLoopThread => Thread.CurrentThread == _thread;

    public int Count => _sockets.Count;

    /// <summary>
    /// Registers a connected socket for edge-triggered read and write readiness; its id (<see cref="EpollSocketTransport.LoopId"/>)
    /// is set before the first event can come.
    /// </summary>
    public void Register(EpollSocketTransport socket, int fd)
    {
        int slot = _sockets.Add(socket);
        // A slot is handed out again once freed, and events fetched for the socket that left may still be in the batch
        // being run: the registration number tells them apart. It is never 0 (the wake-up's data, with slot 0) and never
        // has the listeners' top bit.
        ulong registration = ((uint)Interlocked.Increment(ref s_nextRegistration) & 0x3FFF_FFFFu) + 1;
        ulong id = registration << 32 | (uint)slot;
        socket.LoopId = id;
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP | Libc.EPOLLET, Data = id };
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _sockets.Remove(slot, socket);
            throw new System.Net.Sockets.SocketException(errno);
        }
    }

    /// <summary>Registers a listening socket: edge-triggered "a connection is waiting to be accepted".</summary>
    public ulong RegisterListener(EpollListener listener, int fd)
    {
        ulong id = (ulong)Interlocked.Increment(ref s_nextId) | ListenerTag;
        _listeners[id] = listener;
        return Watch(id, fd, Libc.EPOLLIN | Libc.EPOLLET);
    }

    private ulong Watch(ulong id, int fd, uint events)
    {
        var ev = new Libc.EpollEvent { Events = events, Data = id };
        if (Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _listeners.TryRemove(id, out _);
            throw new System.Net.Sockets.SocketException(errno);
        }
        return id;
    }

    /// <summary>Stops watching a listening socket.</summary>
    public void Unregister(ulong id, int fd)
    {
        if (_listeners.TryRemove(id, out _))
        {
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, null);
        }
    }

    /// <summary>Stops watching a connected socket; events already fetched for it are ignored.</summary>
    public void Unregister(EpollSocketTransport socket, int fd)
    {
        if (_sockets.Remove((int)(uint)socket.LoopId, socket))
        {
            Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, null);
        }
    }

    /// <summary>
    /// Calls <see cref="EpollListener.OnRetryDue"/> on this loop's thread once <paramref name="due"/>
    /// (<see cref="Environment.TickCount64"/>) has passed; from any thread.
    /// </summary>
    public void ScheduleRetry(long due)
    {
        long current;
        while (due < (current = Volatile.Read(ref _retryDue)) && Interlocked.CompareExchange(ref _retryDue, due, current) != current)
        {
        }
        if (!IsOnLoopThread)
        {
            // The loop may be in epoll_wait with the old timeout: wake it to take the new one (on its own thread it reads
            // the deadline before it waits again).
            long one = 1;
            Libc.write(_wake, (byte*)&one, sizeof(long));
        }
    }

    private int WaitTimeout()
    {
        long due = Volatile.Read(ref _retryDue);
        return due == long.MaxValue ? -1 : (int)Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue);
    }

    /// <summary>Completes the back-off of every listener whose retry is due; rare (only after accept failed), so a walk of the few listeners.</summary>
    private void RunDueRetries()
    {
        // One read per wakeup when no listener backs off (the usual case): the clock is read only when one does.
        long due = Volatile.Read(ref _retryDue);
        long now;
        if (due == long.MaxValue || due > (now = Environment.TickCount64))
        {
            return;
        }
        Volatile.Write(ref _retryDue, long.MaxValue);
        foreach (var (_, listener) in _listeners)
        {
            try
            {
                listener.OnRetryDue(now);
            }
            catch (Exception ex)
            {
                System.Diagnostics.Debug.Fail("An event-loop continuation threw", ex.ToString());
            }
        }
    }

    private void Run()
    {
        var events = stackalloc Libc.EpollEvent[MaxEvents];
        while (!_stopping)
        {
            int n = Libc.epoll_wait(_epoll, events, MaxEvents, WaitTimeout());
            if (n < 0)
            {
                if (Marshal.GetLastSystemError() == Libc.EINTR)
                {
                    continue;
                }
                break;
            }
            RunDueRetries();
            for (int i = 0; i < n; i++)
            {
                ulong id = events[i].Data;
                if (id == 0)
                {
                    long drained;
                    Libc.read(_wake, (byte*)&drained, sizeof(long));
                    continue;
                }
                try
                {
                    if ((id & ListenerTag) == 0)
                    {
                        // The socket in that slot now, if it is still the one registered under this id.
                        if (_sockets[(int)(uint)id] is { } socket && socket.LoopId == id)
                        {
                            socket.OnEvents(events[i].Events);
                        }
                    }
                    else if (_listeners.TryGetValue(id, out var listener))
                    {
                        listener.OnEvents(events[i].Events);
                    }
                }
                catch (Exception ex)
                {
                    // A continuation that throws must not take the loop (and every other socket) down.
                    System.Diagnostics.Debug.Fail("An event-loop continuation threw", ex.ToString());
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        long one = 1;
        Libc.write(_wake, (byte*)&one, sizeof(long));
        if (!IsOnLoopThread)
        {
            _thread.Join(TimeSpan.FromSeconds(2));
        }
        Libc.close(_wake);
        Libc.close(_epoll);
    }
}
