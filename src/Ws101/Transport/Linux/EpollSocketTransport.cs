using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace Ws101.Transport.Linux;

/// <summary>
/// A TCP socket driven by an <see cref="EventLoop"/>: receives and sends are tried at once with non-blocking
/// system calls, and only when the kernel says "would block" does the caller wait for the loop's readiness
/// event, on whose thread the wait then completes. A receive or a send waits through a reusable value-task source made on its
/// first wait, and a message pump's wait for readiness (<see cref="WatchReadable"/>) is only its continuation and state, so
/// steady-state I/O allocates nothing and an idle connection carries no wait object at all.
/// </summary>
/// <remarks>
/// Races between a caller registering a wait and the loop delivering an edge-triggered event are settled with
/// an epoch per direction: the loop bumps it on every event, and a caller that sees it move after its failed
/// attempt takes its registration back and tries again, so a readiness edge is never lost.
/// </remarks>
internal sealed class EpollSocketTransport : DuplexTransport
{
    // What _readWaiting holds: no one waits, a receive waits (_receive), or a pump watches (_watch with _watchState).
    private const int NotWaiting = 0;
    private const int Receiving = 1;
    private const int Watching = 2;

    private readonly int _fd;
    private readonly PeerAddress _remote;
    private readonly EventLoop _loop;

    // Made the first time a receive has to wait (see EpollReceiveWait); a connection under a message pump never makes one.
    private EpollReceiveWait? _receive;
    private Action<object?>? _watch;
    private object? _watchState;
    private int _readWaiting;
    private int _readEpoch;

    // The read epoch at which a receive last came back short, which means the socket was empty then. Until the
    // loop reports a new edge (the epoch moves), another attempt would only return EAGAIN: skip that syscall.
    private int _drainedAtEpoch = -1;

    // Set (for good) once the loop has reported a reset, an error or the peer's FIN. A short read does not mean "nothing
    // more" then: the edge of a reset that came before the read was counted in the same epoch, and the reset itself is
    // only reported by the next recv, so skipping it would wait for an edge that never comes.
    private int _peerEnded;

    // Made the first time a send has to wait (see EpollSendWait): an idle connection carries none.
    private EpollSendWait? _send;
    private int _writeWaiting;
    private int _writeEpoch;

    // The system calls in flight on _fd and whether it is closed (DescriptorUse): it is closed only when both allow.
    private int _use;

    /// <summary>Takes over an accepted socket's descriptor (closing it is now this transport's job) and registers it with <paramref name="loop"/>.</summary>
    /// <param name="fd">The descriptor from accept4. It needs no O_NONBLOCK: every recv and send here passes MSG_DONTWAIT.</param>
    /// <param name="remote">The peer's address, as accept4 reported it.</param>
    /// <param name="loop">The loop whose thread completes this socket's waits.</param>
    /// <exception cref="SocketException">The loop could not watch the descriptor (the caller still owns it then).</exception>
    /// <remarks>
    /// No <see cref="Socket"/> object: building one around an accepted descriptor asks the kernel for its family, type,
    /// protocol, addresses and flags (half a dozen system calls per connection), none of which this path needs.
    /// </remarks>
    public EpollSocketTransport(int fd, PeerAddress remote, EventLoop loop)
    {
        _fd = fd;
        _remote = remote;
        _loop = loop;
        loop.Register(this, _fd);
    }

    /// <summary>This socket's epoll data, set by <see cref="EventLoop.Register"/> before the first event (its slot and registration number there).</summary>
    internal ulong LoopId;

    /// <summary>Made on each call from the address kept (see <see cref="PeerAddress"/>): read it once and keep it if you need it often.</summary>
    public override EndPoint? RemoteEndPoint => _remote.ToEndPoint();

    /// <summary>Asked of the kernel on demand (getsockname): nothing on the hot path needs it. Null once closed.</summary>
    public override unsafe EndPoint? LocalEndPoint
    {
        get
        {
            if (!DescriptorUse.TryEnter(ref _use))
            {
                return null;
            }
            byte* address = stackalloc byte[NativeSocketAddress.MaxLength];
            uint length = NativeSocketAddress.MaxLength;
            bool named = Libc.getsockname(_fd, address, &length) == 0;
            Leave();
            return named ? NativeSocketAddress.ToEndPoint(new ReadOnlySpan<byte>(address, (int)length)) : null;
        }
    }

    // ---------------- receive ----------------

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        StartReceive(buffer, peekOnly: false, cancellationToken);

    public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) =>
        StartReceive(Memory<byte>.Empty, peekOnly: true, cancellationToken);

    private ValueTask<int> StartReceive(Memory<byte> buffer, bool peekOnly, CancellationToken cancellationToken)
    {
        while (true)
        {
            int epoch = Volatile.Read(ref _readEpoch);
            int errno = Libc.EAGAIN;
            if (epoch != Volatile.Read(ref _drainedAtEpoch) || Volatile.Read(ref _peerEnded) == 1)
            {
                int n = TryReceive(buffer.Span, peekOnly, out errno);
                if (n >= 0)
                {
                    if (!peekOnly && n > 0 && n < buffer.Length)
                    {
                        Volatile.Write(ref _drainedAtEpoch, epoch);
                    }
                    return new ValueTask<int>(n);
                }
                if (errno != Libc.EAGAIN)
                {
                    return ValueTask.FromException<int>(Error(errno));
                }
                Volatile.Write(ref _drainedAtEpoch, epoch);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            var wait = _receive ??= new EpollReceiveWait();
            wait.Reset(buffer, peekOnly);
            if (cancellationToken.CanBeCanceled)
            {
                // Registered before the wait is announced, so that whoever ends the wait (the loop, Close) finds the registration
                // and disposes it. Stored after, it could be stored after the loop had completed the wait, and live on to cancel a
                // later receive that never passed this token.
                wait.Cancellation = cancellationToken.UnsafeRegister(ReceiveCanceled, this);
            }
            // A full fence between announcing the wait and looking again: the loop (OnEvents) moves the epoch and then looks for
            // a waiter, and Close (any thread) marks it closed and then looks; with a plain store the look below could be made
            // before the store is seen, and both sides would miss each other (a receive waiting for an edge that came).
            Interlocked.Exchange(ref _readWaiting, Receiving);
            if (DescriptorUse.IsClosed(Volatile.Read(ref _use)) && Interlocked.CompareExchange(ref _readWaiting, NotWaiting, Receiving) == Receiving)
            {
                // Closed by another thread after the attempt, and Close found no waiter to fail: fail here, as it would have.
                wait.Withdraw();
                return ValueTask.FromException<int>(Error(-1));
            }
            if (Volatile.Read(ref _readEpoch) != epoch && Interlocked.CompareExchange(ref _readWaiting, NotWaiting, Receiving) == Receiving)
            {
                // An edge arrived between the attempt and the registration: try again instead of waiting for one that already passed.
                wait.Withdraw();
                continue;
            }
            if (cancellationToken.IsCancellationRequested && Interlocked.CompareExchange(ref _readWaiting, NotWaiting, Receiving) == Receiving)
            {
                // Cancelled between the registration and the announcement: the callback found no wait to end then.
                wait.Withdraw();
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            return new ValueTask<int>(wait, wait.Version);
        }
    }

    private static readonly Action<object?, CancellationToken> ReceiveCanceled = static (state, token) =>
    {
        var self = (EpollSocketTransport)state!;
        if (Interlocked.CompareExchange(ref self._readWaiting, NotWaiting, Receiving) == Receiving)
        {
            self._receive!.Cancel(new OperationCanceledException(token));
        }
    };

    /// <summary>Exact: a receive skipped by the drained epoch would only have returned EAGAIN (see <see cref="_drainedAtEpoch"/>).</summary>
    public override bool ReceivesNowExactly => true;

    /// <summary>No edge since the last read that drained the socket, no end seen and not closed: what <see cref="TryReceiveNow"/> checks first.</summary>
    public override bool NothingToReadNow =>
        Volatile.Read(ref _readEpoch) == Volatile.Read(ref _drainedAtEpoch) && Volatile.Read(ref _peerEnded) == 0 && !DescriptorUse.IsClosed(Volatile.Read(ref _use));

    /// <summary>
    /// Keeps the continuation and its state, nothing else: the loop (or <see cref="Close"/>) takes them back and calls the
    /// continuation at the next edge. Whenever a read might find something (an edge since the last drained one, the close),
    /// it returns false at once instead: the caller's read is the one system call that settles it, as a peek would be, and
    /// it reports the end or the failure itself.
    /// </summary>
    public override bool WatchReadable(Action<object?> continuation, object state)
    {
        int epoch = Volatile.Read(ref _readEpoch);
        if (epoch != Volatile.Read(ref _drainedAtEpoch) || DescriptorUse.IsClosed(Volatile.Read(ref _use)))
        {
            return false;
        }
        if (Volatile.Read(ref _peerEnded) == 1 && (TryReceive(default, peekOnly: true, out int errno) >= 0 || errno != Libc.EAGAIN))
        {
            // The peer's end (or a reset) came in an epoch already drained: only a recv tells it, so peek, and let the
            // caller's read report it. A peek that finds nothing watches as usual, so that the caller cannot spin on it.
            return false;
        }
        // Set before _readWaiting is: the loop and Close read them only after taking that flag.
        _watch = continuation;
        _watchState = state;
        // A full fence, as for a receive (StartReceive): the loop and Close each set their flag, then look for a waiter.
        Interlocked.Exchange(ref _readWaiting, Watching);
        if ((DescriptorUse.IsClosed(Volatile.Read(ref _use)) || Volatile.Read(ref _readEpoch) != epoch)
            && Interlocked.CompareExchange(ref _readWaiting, NotWaiting, Watching) == Watching)
        {
            // Closed, or an edge came, between the look and the registration, and no one took the watch: the caller reads now.
            _watch = null;
            _watchState = null;
            return false;
        }
        return true;
    }

    public override void ForgetReceiveWait()
    {
        if (Volatile.Read(ref _readWaiting) == NotWaiting)
        {
            _receive = null;
        }
    }

    public override int TryReceiveNow(Span<byte> buffer)
    {
        int epoch = Volatile.Read(ref _readEpoch);
        if (epoch == Volatile.Read(ref _drainedAtEpoch) && Volatile.Read(ref _peerEnded) == 0 && !DescriptorUse.IsClosed(Volatile.Read(ref _use)))
        {
            // Once closed the read goes on, to fail: a closed transport has no edge to wait for.
            return -1;
        }
        int n = TryReceive(buffer, peekOnly: false, out int errno);
        if (n >= 0)
        {
            if (n > 0 && n < buffer.Length)
            {
                Volatile.Write(ref _drainedAtEpoch, epoch);
            }
            return n;
        }
        if (errno != Libc.EAGAIN)
        {
            throw Error(errno);
        }
        Volatile.Write(ref _drainedAtEpoch, epoch);
        return -1;
    }

    // Never inlined, nor are TrySend and TrySendNow: the JIT compiles a P/Invoke inline only where its call site is outside any
    // try region (on 64-bit), and these calls would land inside their callers' catch of transport failures, which sends them
    // through a separate stub instead: about 100 ns more per call here (a send and a receive on a socket pair, 2026-12-06).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe int TryReceive(Span<byte> buffer, bool peekOnly, out int errno)
    {
        errno = 0;
        if (!DescriptorUse.TryEnter(ref _use))
        {
            errno = -1;
            return -1;
        }
        byte probe;
        nint n;
        // No try/finally around the calls (see above): every way out below leaves the descriptor once.
        while (true)
        {
            if (peekOnly)
            {
                // Readiness without taking any byte: peek one. 1 means data, 0 means the peer closed; both end the wait.
                n = Libc.recv(_fd, &probe, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
            }
            else
            {
                fixed (byte* p = buffer)
                {
                    n = Libc.recv(_fd, p, buffer.Length, Libc.MSG_DONTWAIT);
                }
            }
            if (n >= 0)
            {
                Leave();
                return peekOnly ? 0 : (int)n;
            }
            errno = Marshal.GetLastSystemError();
            if (errno != Libc.EINTR)
            {
                Leave();
                return -1;
            }
        }
    }

    // ---------------- send ----------------

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (true)
        {
            int epoch = Volatile.Read(ref _writeEpoch);
            int errno = TrySend(ref data);
            if (data.IsEmpty)
            {
                return ValueTask.CompletedTask;
            }
            if (errno != Libc.EAGAIN)
            {
                return ValueTask.FromException(Error(errno));
            }
            if (TryArmSendWait(data, epoch, cancellationToken, out var wait))
            {
                return wait;
            }
        }
    }

    /// <summary>
    /// Waits for the socket's first writable (or error) edge: the end of a non-blocking connect (<see cref="EpollConnector"/>),
    /// after which SO_ERROR tells whether it succeeded. Completes at once if the edge has already come.
    /// </summary>
    internal ValueTask WaitConnectedAsync(CancellationToken cancellationToken)
    {
        // The epoch is 0 when the socket is registered, before connect can have finished, and moves with each edge.
        while (Volatile.Read(ref _writeEpoch) == 0)
        {
            if (TryArmSendWait(default, 0, cancellationToken, out var wait))
            {
                return wait;
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Announces a send wait for <paramref name="data"/> (what the loop sends once the socket takes bytes again; empty: the
    /// edge alone): true with the wait to return, false when an edge came after <paramref name="epoch"/> was read (try again).
    /// </summary>
    private bool TryArmSendWait(ReadOnlyMemory<byte> data, int epoch, CancellationToken cancellationToken, out ValueTask wait)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            wait = ValueTask.FromCanceled(cancellationToken);
            return true;
        }
        // Set before _writeWaiting is: the loop reads it only after seeing that flag.
        var send = _send ??= new EpollSendWait();
        send.Reset(data);
        if (cancellationToken.CanBeCanceled)
        {
            // Before the wait is announced, as for a receive (StartReceive): the loop then always finds it to dispose.
            send.Cancellation = cancellationToken.UnsafeRegister(SendCanceled, this);
        }
        // A full fence, as for the read wait (StartReceive): the loop and Close each set their flag, then look for a waiter.
        Interlocked.Exchange(ref _writeWaiting, 1);
        if (DescriptorUse.IsClosed(Volatile.Read(ref _use)) && Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 1)
        {
            send.Withdraw();
            wait = ValueTask.FromException(Error(-1));
            return true;
        }
        if (Volatile.Read(ref _writeEpoch) != epoch && Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 1)
        {
            send.Withdraw();
            wait = default;
            return false;
        }
        if (cancellationToken.IsCancellationRequested && Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 1)
        {
            send.Withdraw();
            wait = ValueTask.FromCanceled(cancellationToken);
            return true;
        }
        wait = new ValueTask(send, send.Version);
        return true;
    }

    private static readonly Action<object?, CancellationToken> SendCanceled = static (state, token) =>
    {
        var self = (EpollSocketTransport)state!;
        if (Interlocked.CompareExchange(ref self._writeWaiting, 0, 1) == 1)
        {
            self._send!.Cancel(new OperationCanceledException(token));
        }
    };

    public override bool SendsVectored => true;

    [MethodImpl(MethodImplOptions.NoInlining)] // see TryReceive
    public override unsafe int TrySendNow(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (!DescriptorUse.TryEnter(ref _use))
        {
            throw Error(-1);
        }
        int total = 0;
        int failed = 0;
        fixed (byte* a = first)
        fixed (byte* b = second)
        {
            var pieces = stackalloc Libc.IoVec[2];
            while (total < first.Length + second.Length)
            {
                // The pieces still unsent: the rest of the first (if any) and the rest of the second.
                int count = 0;
                if (total < first.Length)
                {
                    pieces[count++] = new Libc.IoVec { Base = a + total, Length = first.Length - total };
                    pieces[count++] = new Libc.IoVec { Base = b, Length = second.Length };
                }
                else
                {
                    pieces[count++] = new Libc.IoVec { Base = b + (total - first.Length), Length = second.Length - (total - first.Length) };
                }
                var message = new Libc.MsgHdr { Iov = pieces, IovLength = count };
                nint n = Libc.sendmsg(_fd, &message, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
                if (n < 0)
                {
                    int errno = Marshal.GetLastSystemError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    if (errno != Libc.EAGAIN && total == 0)
                    {
                        failed = errno;
                    }
                    // Would block, or failed after a part went out: SendAsync takes the rest and reports any failure.
                    break;
                }
                total += (int)n;
            }
        }
        Leave();
        return failed == 0 ? total : throw Error(failed);
    }

    /// <summary>Sends as much as the kernel takes; leaves the rest in <paramref name="data"/>. Returns errno (EAGAIN when it would block).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // see TryReceive
    private unsafe int TrySend(ref ReadOnlyMemory<byte> data)
    {
        if (!DescriptorUse.TryEnter(ref _use))
        {
            return -1;
        }
        int errno = 0;
        while (!data.IsEmpty)
        {
            nint n;
            fixed (byte* p = data.Span)
            {
                n = Libc.send(_fd, p, data.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            }
            if (n < 0)
            {
                errno = Marshal.GetLastSystemError();
                if (errno == Libc.EINTR)
                {
                    errno = 0;
                    continue;
                }
                break;
            }
            data = data[(int)n..];
        }
        Leave();
        return errno;
    }

    // ---------------- events from the loop ----------------

    public void OnEvents(uint events)
    {
        const uint readable = Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR;
        const uint writable = Libc.EPOLLOUT | Libc.EPOLLHUP | Libc.EPOLLERR;
        if ((events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            // Before the epoch moves: a reader that sees the new epoch sees this too.
            Volatile.Write(ref _peerEnded, 1);
        }
        if ((events & readable) != 0)
        {
            Interlocked.Increment(ref _readEpoch);
            if (Volatile.Read(ref _readWaiting) != NotWaiting)
            {
                switch (Interlocked.Exchange(ref _readWaiting, NotWaiting))
                {
                    case Receiving:
                        CompleteRead();
                        break;
                    case Watching:
                        CallWatcher();
                        break;
                }
            }
        }
        if ((events & writable) != 0)
        {
            Interlocked.Increment(ref _writeEpoch);
            // Looked at before the exchange, as for reads: most edges come with no send waiting (each incoming segment
            // also reports the socket writable), and the increment's fence orders the look after the new epoch.
            if (Volatile.Read(ref _writeWaiting) == 1 && Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 1)
            {
                CompleteWrite();
            }
        }
    }

    private void CompleteRead()
    {
        var wait = _receive!;
        if (wait.PeekOnly)
        {
            // The edge itself says "readable" (or closed): no need to peek. A rare spurious edge costs the reader one EAGAIN.
            wait.Complete(0);
            return;
        }
        int epoch = Volatile.Read(ref _readEpoch);
        var buffer = wait.Buffer.Span;
        int n = TryReceive(buffer, peekOnly: false, out int errno);
        if (n > 0 && n < buffer.Length)
        {
            Volatile.Write(ref _drainedAtEpoch, epoch);
        }
        if (n < 0 && errno == Libc.EAGAIN)
        {
            // A spurious edge: keep waiting for the next one, unless Close or the cancellation came meanwhile (either found
            // no waiter then, the loop having taken it).
            Interlocked.Exchange(ref _readWaiting, Receiving);
            bool closed = DescriptorUse.IsClosed(Volatile.Read(ref _use));
            if (!(closed || wait.IsCancellationRequested) || Interlocked.CompareExchange(ref _readWaiting, NotWaiting, Receiving) != Receiving)
            {
                return;
            }
            if (!closed)
            {
                wait.Fail(new OperationCanceledException(wait.Cancellation.Token));
                return;
            }
            errno = -1;
        }
        if (n >= 0)
        {
            wait.Complete(n);
        }
        else
        {
            wait.Fail(Error(errno));
        }
    }

    /// <summary>
    /// Calls the watch taken back from <see cref="WatchReadable"/>, forgotten first: the continuation usually reads and watches
    /// again before it returns. Where the edge came: the loop's thread, or the thread that closed the transport.
    /// </summary>
    private void CallWatcher()
    {
        var continuation = _watch!;
        var state = _watchState;
        _watch = null;
        _watchState = null;
        continuation(state);
    }

    private void CompleteWrite()
    {
        var wait = _send!;
        var data = wait.Data;
        int errno = TrySend(ref data);
        if (!data.IsEmpty && errno == Libc.EAGAIN)
        {
            // Still full: wait for the next edge, unless Close or the cancellation came meanwhile (either found no waiter then,
            // the loop having taken it; a cancellation lost here would leave the send waiting for a peer that reads nothing).
            wait.Data = data;
            Interlocked.Exchange(ref _writeWaiting, 1);
            bool closed = DescriptorUse.IsClosed(Volatile.Read(ref _use));
            if (!(closed || wait.IsCancellationRequested) || Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 0)
            {
                return;
            }
            if (!closed)
            {
                wait.Complete(new OperationCanceledException(wait.Cancellation.Token));
                return;
            }
            errno = -1;
        }
        wait.Complete(data.IsEmpty ? null : Error(errno));
    }

    private Exception Error(int errno) =>
        errno == -1 || DescriptorUse.IsClosed(Volatile.Read(ref _use))
            ? new ObjectDisposedException(nameof(EpollSocketTransport), "The connection was closed.")
            : new SocketException(errno);

    // ---------------- closing ----------------

    public override void ShutdownSend()
    {
        // A failure (the peer already reset the connection) leaves nothing to do: the next receive reports it.
        if (DescriptorUse.TryEnter(ref _use))
        {
            Libc.shutdown(_fd, Libc.SHUT_WR);
            Leave();
        }
    }

    /// <summary>
    /// close() alone: with nothing unread it sends what is queued and then FIN, exactly what a shutdown(SHUT_WR) before it
    /// would, so that system call is saved (with unread bytes both forms reset the connection alike).
    /// </summary>
    public override void CloseAfterSending() => Close();

    public override unsafe void Abort()
    {
        if (!DescriptorUse.TryEnter(ref _use))
        {
            return;
        }
        // SO_LINGER on with a zero timeout: close() then resets the connection instead of sending what is queued.
        var linger = new Libc.Linger { OnOff = 1, Seconds = 0 };
        Libc.setsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, (uint)sizeof(Libc.Linger));
        CloseEntered();
    }

    /// <remarks>
    /// The descriptor is in use here from the first call to the close (<see cref="DescriptorUse"/>), so the answer, the
    /// shutdown and the linger cannot reach a socket that has since been given the same number. What the peer already sent
    /// is read before the close, so that the close is a FIN after the answer and not a reset that could discard it.
    /// </remarks>
    public override unsafe void AbortWithAnswer(ReadOnlySpan<byte> answer)
    {
        if (!DescriptorUse.TryEnter(ref _use))
        {
            return;
        }
        nint sent;
        fixed (byte* p = answer)
        {
            sent = Libc.send(_fd, p, answer.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
        }
        if (sent == answer.Length)
        {
            Libc.shutdown(_fd, Libc.SHUT_WR);
            byte* sink = stackalloc byte[1024];
            for (int i = 0; i < 16 && Libc.recv(_fd, sink, 1024, Libc.MSG_DONTWAIT) > 0; i++)
            {
            }
        }
        else
        {
            var linger = new Libc.Linger { OnOff = 1, Seconds = 0 };
            Libc.setsockopt(_fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, (uint)sizeof(Libc.Linger));
        }
        CloseEntered();
    }

    public override ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private void Close()
    {
        if (DescriptorUse.TryEnter(ref _use))
        {
            CloseEntered();
        }
    }

    /// <summary>
    /// With the descriptor in use (entered): marks it closed, and the first to do so unregisters it and fails any waiter;
    /// then leaves, which closes it unless a call on another thread is still in flight (then that call's leaving does).
    /// </summary>
    private void CloseEntered()
    {
        if (DescriptorUse.TryMarkClosed(ref _use))
        {
            // Still open here (this caller's use holds it): the number cannot belong to another socket yet.
            _loop.Unregister(this, _fd);
            // Wake any waiter: its attempt now fails with "closed".
            switch (Interlocked.Exchange(ref _readWaiting, NotWaiting))
            {
                case Receiving:
                    _receive!.Fail(Error(-1));
                    break;
                case Watching:
                    // The watcher's read then finds the transport closed and reports the end.
                    CallWatcher();
                    break;
            }
            if (Interlocked.CompareExchange(ref _writeWaiting, 0, 1) == 1)
            {
                _send!.Complete(Error(-1));
            }
        }
        Leave();
    }

    /// <summary>Ends a use of the descriptor (<see cref="DescriptorUse.TryEnter"/>); the last one after the close closes it.</summary>
    private void Leave()
    {
        if (DescriptorUse.Exit(ref _use))
        {
            Libc.close(_fd);
        }
    }
}
