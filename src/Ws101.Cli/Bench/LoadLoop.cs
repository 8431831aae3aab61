using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport.Linux;

namespace Ws101.Cli.Bench;

/// <summary>
/// One load thread: an epoll loop over non-blocking sockets that does the client's side of RFC 6455 itself, with the
/// library's pure pieces (<see cref="ClientHandshakeRequest"/>, <see cref="ClientHandshake"/>, <see cref="FrameHeader"/>,
/// <see cref="FrameMask"/>). A closed-loop echo costs one recv and one send of a prebuilt frame per message, no allocation,
/// no hand-off between threads: a load generator has to be cheaper than the server it measures, or it measures itself.
/// The hot methods are compiled fully optimized at once (AggressiveOptimization): no slow first tier while the warm-up
/// runs and no recompilation on a background thread inside the measured window.
/// </summary>
internal sealed unsafe class LoadLoop : ILoadLoop
{
    private const int MaxEvents = 512;
    private const int ReadBufferSize = 256 * 1024;
    private const int HeadBufferSize = 2048;
    private const int MaxHeadBuffer = 32 * 1024;
    private const int MaxPublishBurst = 1000;

    private static readonly long CloseGrace = RunSchedule.ToTicks(TimeSpan.FromSeconds(2));
    private static readonly long ScanInterval = RunSchedule.ToTicks(TimeSpan.FromMilliseconds(100));

    private readonly LoadPlan _plan;
    private readonly RunSchedule _schedule;
    private readonly BenchMode _mode;
    private readonly int _size;
    private readonly bool _text;
    private readonly LoadConnection[] _connections;
    private readonly Stack<int> _freeSlots = new();
    private readonly byte[] _readBuffer = GC.AllocateUninitializedArray<byte>(ReadBufferSize, pinned: true);
    private readonly Libc.EpollEvent[] _events = GC.AllocateUninitializedArray<Libc.EpollEvent>(MaxEvents, pinned: true);
    private readonly long _timeout;
    private readonly int _epoll;
    private readonly LoadConnection? _publisher;
    private readonly byte[] _publishPayload = [];
    private readonly byte[] _publishFrame = [];
    private readonly uint[] _publishKeys = new uint[MaskedFrames.Variants];
    private int _nextToOpen;
    private int _inFlight;
    private int _nextSource;
    private int _nextRequest;
    private bool _measuring;
    private bool _measured;
    private bool _stopping;
    private int _second = -1;
    private long _nextSecondAt;
    private long _nextScan;
    private long _sequence;
    private Thread? _thread;

    public LoadLoop(LoadPlan plan, RunSchedule schedule, int connections, bool withPublisher, int id)
    {
        _plan = plan;
        _schedule = schedule;
        _mode = plan.Settings.Mode;
        _size = plan.Settings.Size;
        _text = plan.Settings.Text;
        _timeout = RunSchedule.ToTicks(plan.Settings.Timeout);
        Id = id;
        Stats = new LoopStats(plan.Seconds);
        _connections = new LoadConnection[connections];
        for (int i = 0; i < connections; i++)
        {
            _connections[i] = new LoadConnection(i);
        }
        if (withPublisher && connections > 0)
        {
            _publisher = _connections[0];
            _publisher.IsPublisher = true;
            _publishPayload = (byte[])plan.Payload.Clone();
            _publishFrame = new byte[FrameHeader.GetLength(_size, isMasked: true) + _size];
            for (int i = 0; i < _publishKeys.Length; i++)
            {
                _publishKeys[i] = MaskedFrames.RandomKey();
            }
        }
        if (_mode == BenchMode.Handshakes)
        {
            for (int i = connections - 1; i >= 0; i--)
            {
                _freeSlots.Push(i);
            }
        }
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Which loop this is (0 holds the fanout publisher).</summary>
    public int Id { get; }

    /// <summary>What this loop counted.</summary>
    public LoopStats Stats { get; }

    /// <summary>Connections this loop drives (fanout: the publisher included in loop 0).</summary>
    public int ConnectionCount => _connections.Length;

    /// <summary>Set when the loop died of an unexpected exception (reported, never swallowed).</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Starts the loop on its own thread.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"ws101 bench loop {Id}" };
        _thread.Start();
    }

    /// <summary>Waits for the loop to end (after <see cref="RunSchedule.RequestStop"/>).</summary>
    public bool Join(TimeSpan timeout) => _thread is null || _thread.Join(timeout);

    public void Dispose()
    {
        foreach (var c in _connections)
        {
            if (c.Fd >= 0)
            {
                Libc.close(c.Fd);
                c.Fd = -1;
            }
        }
        Libc.close(_epoll);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        try
        {
            while (!_schedule.StopRequested)
            {
                long now = Stopwatch.GetTimestamp();
                OpenMore(now);
                Wait(_mode is BenchMode.Fanout ? 1 : 10);
                Tick(Stopwatch.GetTimestamp());
            }
            CloseAll();
        }
#pragma warning disable CA1031 // The loop's thread must not take the process down: the fault is reported with the results.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fault = ex;
        }
        finally
        {
            Stats.OpeningDone = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Wait(int timeoutMs)
    {
        int n;
        fixed (Libc.EpollEvent* events = _events)
        {
            n = Libc.epoll_wait(_epoll, events, MaxEvents, timeoutMs);
        }
        if (n < 0)
        {
            int errno = Marshal.GetLastSystemError();
            if (errno == Libc.EINTR)
            {
                return;
            }
            throw new InvalidOperationException($"epoll_wait failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        for (int i = 0; i < n; i++)
        {
            var c = _connections[(int)_events[i].Data];
            uint e = _events[i].Events;
            if (c.Phase == LoadPhase.Free)
            {
                continue;
            }
            if (c.Phase == LoadPhase.Connecting)
            {
                OnConnected(c);
                continue;
            }
            if ((e & Libc.EPOLLOUT) != 0 && !Flush(c))
            {
                continue;
            }
            if ((e & (Libc.EPOLLIN | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0)
            {
                OnReadable(c);
            }
        }
    }

    // ---------------------------------------------------------------- time

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tick(long now)
    {
        long warm = _schedule.WarmupStartsAt;
        if (warm != 0)
        {
            if (_second < 0)
            {
                _second = 0;
                _nextSecondAt = warm + Stopwatch.Frequency;
            }
            while (now >= _nextSecondAt)
            {
                _second++;
                _nextSecondAt += Stopwatch.Frequency;
            }
            if (!_measuring && !_measured && now >= _schedule.MeasureStartsAt)
            {
                StartMeasuring(now);
            }
            if (_measuring && now >= _schedule.MeasureEndsAt)
            {
                EndMeasuring(now);
            }
            if (_publisher is not null)
            {
                Publish(now, warm);
            }
        }
        if (!Stats.OpeningDone && (_mode == BenchMode.Handshakes || (_nextToOpen >= _connections.Length && _inFlight == 0)))
        {
            Stats.OpeningDone = true;
        }
        if (now >= _nextScan)
        {
            _nextScan = now + ScanInterval;
            ScanTimeouts(now);
        }
    }

    private void StartMeasuring(long now)
    {
        _measuring = true;
        Stats.MeasureStartedAt = now;
        Stats.MessagesAtStart = Stats.Messages;
        Stats.BytesAtStart = Stats.Bytes;
        Stats.HandshakesAtStart = Stats.Handshakes;
    }

    private void EndMeasuring(long now)
    {
        _measuring = false;
        _measured = true;
        Stats.MeasureEndedAt = now;
        Stats.MessagesAtEnd = Stats.Messages;
        Stats.BytesAtEnd = Stats.Bytes;
        Stats.HandshakesAtEnd = Stats.Handshakes;
    }

    private void CountSecond()
    {
        if ((uint)_second < (uint)Stats.PerSecond.Length)
        {
            Stats.PerSecond[_second]++;
        }
    }

    /// <summary>
    /// Records a latency: an echo's or a handshake's while this loop measures; a fanout delivery's whenever it arrives,
    /// since the caller passes only deliveries of messages published in the window.
    /// </summary>
    private void RecordLatency(long ticks, bool published = false)
    {
        // The run's latency is the window's alone, as its message count is. Nothing recorded is ever reset: a subscriber's
        // loop can receive a message published at the window's start before its own clock has reached the window, and
        // that delivery is counted, so its latency must stay (resetting the histogram as the loop began measuring once
        // merged 997 latencies for 1,000 deliveries).
        if (!published && !_measuring)
        {
            return;
        }
        long ns = RunSchedule.ToNanoseconds(ticks);
        Stats.Latency.RecordValue(ns < 0 ? 0 : Math.Min(ns, LoopStats.HighestLatency));
    }

    private void ScanTimeouts(long now)
    {
        foreach (var c in _connections)
        {
            if (c.Phase is LoadPhase.Connecting or LoadPhase.Upgrading && now - c.StartedAt > _timeout)
            {
                Fail(c, ErrorKind.Timeout, c.Phase == LoadPhase.Connecting ? "connect" : "handshake-timeout",
                    $"no {(c.Phase == LoadPhase.Connecting ? "TCP connection" : "complete response")} within {_plan.Settings.Timeout.TotalSeconds:0.##} s");
            }
            else if (c.Phase == LoadPhase.Closing && !_stopping && now - c.StartedAt > _timeout)
            {
                Fail(c, ErrorKind.Timeout, "close", $"the server did not answer the close frame within {_plan.Settings.Timeout.TotalSeconds:0.##} s");
            }
        }
    }

    // ---------------------------------------------------------------- opening

    private void OpenMore(long now)
    {
        if (_mode == BenchMode.Handshakes)
        {
            // A slot whose connect fails at once is free again right away: each slot starts at most once per pass.
            for (int budget = _freeSlots.Count; budget > 0 && _freeSlots.Count > 0 && _inFlight < BenchSettings.MaxConnectsInFlight; budget--)
            {
                StartConnect(_connections[_freeSlots.Pop()], now);
            }
            return;
        }
        while (_nextToOpen < _connections.Length && _inFlight < BenchSettings.MaxConnectsInFlight)
        {
            StartConnect(_connections[_nextToOpen++], now);
        }
    }

    private void StartConnect(LoadConnection c, long now)
    {
        var target = _plan.Target;
        int fd = SocketCalls.socket(target.Family, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_NONBLOCK | SocketCalls.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            Stats.Errors.Add(ErrorKind.Connect, Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()), "socket() failed");
            Release(c);
            return;
        }
        int one = 1;
        SocketCalls.setsockopt(fd, SocketCalls.IPPROTO_TCP, SocketCalls.TCP_NODELAY, &one, sizeof(int));
        c.Fd = fd;
        c.Phase = LoadPhase.Connecting;
        c.StartedAt = now;
        _inFlight++;
        if (target.SourceAddresses.Length > 0)
        {
            // Let connect() choose the port per (source, destination) pair instead of bind() reserving one per source.
            SocketCalls.setsockopt(fd, SocketCalls.IPPROTO_IP, SocketCalls.IP_BIND_ADDRESS_NO_PORT, &one, sizeof(int));
            byte[] source = target.SourceAddresses[_nextSource++ % target.SourceAddresses.Length];
            fixed (byte* s = source)
            {
                if (SocketCalls.bind(fd, s, source.Length) != 0)
                {
                    Fail(c, ErrorKind.Connect, Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()), "bind() to the source address failed");
                    return;
                }
            }
        }
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN | Libc.EPOLLOUT, Data = (ulong)c.Index };
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev);
        c.WantsWritable = true;
        int result;
        fixed (byte* address = target.SocketAddress)
        {
            result = SocketCalls.connect(fd, address, target.SocketAddress.Length);
        }
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != SocketCalls.EINPROGRESS)
            {
                Fail(c, ErrorKind.Connect, Marshal.GetPInvokeErrorMessage(errno), $"connect to {target.EndPoint} failed");
            }
        }
    }

    private void OnConnected(LoadConnection c)
    {
        int error = 0;
        int length = sizeof(int);
        SocketCalls.getsockopt(c.Fd, SocketCalls.SOL_SOCKET, SocketCalls.SO_ERROR, &error, &length);
        if (error != 0)
        {
            Fail(c, ErrorKind.Connect, Marshal.GetPInvokeErrorMessage(error), $"connect to {_plan.Target.EndPoint} failed");
            return;
        }
        c.Phase = LoadPhase.Upgrading;
        int variant = _nextRequest++ % LoadPlan.RequestVariants;
        c.Request = _plan.Requests[variant];
        byte[] request = _plan.RequestBytes[variant];
        Write(c, request, request.Length);
    }

    private bool ReadHead(LoadConnection c, ref ReadOnlySpan<byte> data, bool ended)
    {
        if (c.HeadLength + data.Length > MaxHeadBuffer)
        {
            Fail(c, ErrorKind.Handshake, HandshakeProblemCatalog.Get(HandshakeProblemCode.HeadTooLarge).Id, $"no end of the response head in {MaxHeadBuffer:N0} bytes");
            return false;
        }
        if (c.Head is null || c.Head.Length < c.HeadLength + data.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(HeadBufferSize, c.HeadLength + data.Length));
            if (c.Head is not null)
            {
                c.Head.AsSpan(0, c.HeadLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(c.Head);
            }
            c.Head = bigger;
        }
        data.CopyTo(c.Head.AsSpan(c.HeadLength));
        c.HeadLength += data.Length;
        var result = ClientHandshake.Read(c.Request!.Offer, new ReadOnlySequence<byte>(c.Head, 0, c.HeadLength), ended, null, out int consumed, out _);
        if (result is null)
        {
            return false;
        }
        if (!result.IsSuccess)
        {
            var problem = result.Problems[0];
            Fail(c, ErrorKind.Handshake, problem.Id, Describe(problem));
            return false;
        }
        // Whatever followed the head in this read is the first frames.
        data = data[(data.Length - (c.HeadLength - consumed))..];
        ArrayPool<byte>.Shared.Return(c.Head);
        c.Head = null;
        c.HeadLength = 0;
        c.Request = null;
        OnOpen(c);
        return c.Phase != LoadPhase.Free;
    }

    private static string Describe(HandshakeProblem problem) =>
        problem.Actual is { Length: > 0 } actual ? $"{problem.Id}: {actual}" : problem.Id;

    private void OnOpen(LoadConnection c)
    {
        long now = Stopwatch.GetTimestamp();
        c.Phase = LoadPhase.Open;
        _inFlight--;
        Stats.Open++;
        Stats.Opened++;
        switch (_mode)
        {
            case BenchMode.Echo:
                SendNextEcho(c, now);
                break;
            case BenchMode.Handshakes:
                RecordLatency(now - c.StartedAt);
                c.Phase = LoadPhase.Closing;
                c.StartedAt = now;
                Write(c, _plan.CloseFrame, _plan.CloseFrame.Length);
                break;
        }
    }

    // ---------------------------------------------------------------- writing

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool SendNextEcho(LoadConnection c, long now)
    {
        c.SentAt = now;
        byte[] frame = _plan.MessageFrames[c.Sent++ & (MaskedFrames.Variants - 1)];
        return Write(c, frame, frame.Length);
    }

    /// <summary>Sends a frame now, or keeps what the socket did not take for EPOLLOUT; false when the connection failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Write(LoadConnection c, byte[] buffer, int length)
    {
        if (c.Out is not null)
        {
            (c.Queued ??= new Queue<byte[]>()).Enqueue(length == buffer.Length ? buffer : buffer[..length]);
            return true;
        }
        int sent = SendSome(c, buffer, 0, length);
        if (sent < 0)
        {
            return false;
        }
        if (sent < length)
        {
            c.Out = buffer;
            c.OutOffset = sent;
            c.OutEnd = length;
            WatchWritable(c, true);
        }
        else if (c.WantsWritable)
        {
            WatchWritable(c, false);
        }
        return true;
    }

    private bool Flush(LoadConnection c)
    {
        while (c.Out is not null)
        {
            int sent = SendSome(c, c.Out, c.OutOffset, c.OutEnd);
            if (sent < 0)
            {
                return false;
            }
            c.OutOffset += sent;
            if (c.OutOffset < c.OutEnd)
            {
                return true;
            }
            if (c.Queued is { Count: > 0 } queued)
            {
                c.Out = queued.Dequeue();
                c.OutOffset = 0;
                c.OutEnd = c.Out.Length;
            }
            else
            {
                c.Out = null;
            }
        }
        if (c.WantsWritable)
        {
            WatchWritable(c, false);
        }
        return true;
    }

    /// <summary>Bytes the socket took (0 when full), or -1 after failing the connection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SendSome(LoadConnection c, byte[] buffer, int from, int to)
    {
        while (true)
        {
            nint n;
            fixed (byte* b = buffer)
            {
                n = Libc.send(c.Fd, b + from, to - from, Libc.MSG_NOSIGNAL);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            int errno = Marshal.GetLastSystemError();
            if (errno == Libc.EAGAIN)
            {
                return 0;
            }
            if (errno != Libc.EINTR)
            {
                Ended(c, Marshal.GetPInvokeErrorMessage(errno));
                return -1;
            }
        }
    }

    private void WatchWritable(LoadConnection c, bool watch)
    {
        c.WantsWritable = watch;
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN | (watch ? Libc.EPOLLOUT : 0), Data = (ulong)c.Index };
        Libc.epoll_ctl(_epoll, SocketCalls.EPOLL_CTL_MOD, c.Fd, &ev);
    }

    // ---------------------------------------------------------------- reading

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnReadable(LoadConnection c)
    {
        while (true)
        {
            nint n;
            fixed (byte* b = _readBuffer)
            {
                n = Libc.recv(c.Fd, b, ReadBufferSize, 0);
            }
            if (n == 0)
            {
                Ended(c, null);
                return;
            }
            if (n < 0)
            {
                int errno = Marshal.GetLastSystemError();
                if (errno == Libc.EAGAIN)
                {
                    return;
                }
                if (errno != Libc.EINTR)
                {
                    Ended(c, Marshal.GetPInvokeErrorMessage(errno));
                    return;
                }
                continue;
            }
            ReadOnlySpan<byte> data = _readBuffer.AsSpan(0, (int)n);
            if (c.Phase == LoadPhase.Upgrading && !ReadHead(c, ref data, ended: false))
            {
                return;
            }
            if (data.Length > 0 && !ReadFrames(c, data))
            {
                return;
            }
            if (n < ReadBufferSize)
            {
                return;
            }
        }
    }

    /// <summary>The TCP connection ended (EOF or an error) before this side was done with it.</summary>
    private void Ended(LoadConnection c, string? error)
    {
        switch (c.Phase)
        {
            case LoadPhase.Upgrading:
                ReadOnlySpan<byte> none = [];
                ReadHead(c, ref none, ended: true);
                if (c.Phase != LoadPhase.Free)
                {
                    Fail(c, ErrorKind.Closed, "1006", "the connection ended right after the handshake");
                }
                break;
            case LoadPhase.Connecting:
                Fail(c, ErrorKind.Connect, error ?? "the connection ended", $"connect to {_plan.Target.EndPoint} failed");
                break;
            case LoadPhase.Closing when _stopping:
                Close(c);
                break;
            default:
                Fail(c, ErrorKind.Closed, "1006", error is null ? "the connection ended without a close frame" : $"the connection ended without a close frame: {error}");
                break;
        }
    }

    /// <summary>Reads frames from <paramref name="data"/>; false when the connection was closed on the way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadFrames(LoadConnection c, ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (!c.InPayload)
            {
                FrameHeader header;
                int used;
                OperationStatus status;
                if (c.HeaderLength == 0)
                {
                    status = FrameHeader.TryParse(data, out header, out used);
                    if (status == OperationStatus.NeedMoreData)
                    {
                        data.CopyTo(c.Header);
                        c.HeaderLength = data.Length;
                        return true;
                    }
                    data = status == OperationStatus.Done ? data[used..] : data;
                }
                else
                {
                    Span<byte> bytes = c.Header;
                    int take = Math.Min(bytes.Length - c.HeaderLength, data.Length);
                    data[..take].CopyTo(bytes[c.HeaderLength..]);
                    status = FrameHeader.TryParse(bytes[..(c.HeaderLength + take)], out header, out used);
                    if (status == OperationStatus.NeedMoreData)
                    {
                        c.HeaderLength += take;
                        return true;
                    }
                    data = status == OperationStatus.Done ? data[(used - c.HeaderLength)..] : data;
                    c.HeaderLength = 0;
                }
                if (status != OperationStatus.Done)
                {
                    // RFC 6455 §5.2: "the most significant bit MUST be 0" in a 64-bit payload length.
                    return ProtocolFail(c, "a frame length with its most significant bit set");
                }
                if (!BeginFrame(c, header))
                {
                    return false;
                }
                if (c.Remaining == 0 && !EndFrame(c))
                {
                    return false;
                }
                continue;
            }
            int n = (int)Math.Min(c.Remaining, data.Length);
            OnPayload(c, data[..n]);
            c.Remaining -= n;
            data = data[n..];
            if (c.Remaining == 0 && !EndFrame(c))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool BeginFrame(LoadConnection c, FrameHeader h)
    {
        // RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame."
        if (h.IsMasked)
        {
            return ProtocolFail(c, "a masked frame from the server");
        }
        // RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated"; the bench offers none.
        if (h.ReservedBits != ReservedBits.None)
        {
            return ProtocolFail(c, "reserved bits set with no extension negotiated");
        }
        if (h.IsControl)
        {
            // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
            if (!h.Fin || h.PayloadLength > FrameHeader.MaxControlPayload)
            {
                return ProtocolFail(c, "a fragmented or oversized control frame");
            }
            if (h.Opcode is not (Opcode.Close or Opcode.Ping or Opcode.Pong))
            {
                return ProtocolFail(c, $"the reserved opcode 0x{(int)h.Opcode:X}");
            }
            c.ControlLength = 0;
        }
        else if (h.Opcode == Opcode.Continuation)
        {
            // RFC 6455 §5.4: a continuation frame only follows a first fragment.
            if (c.MessageOpcode == Opcode.Continuation)
            {
                return ProtocolFail(c, "a continuation frame with no message to continue");
            }
        }
        else if (h.Opcode is Opcode.Text or Opcode.Binary)
        {
            // RFC 6455 §5.4: the fragments of one message are not interleaved with another message's.
            if (c.MessageOpcode != Opcode.Continuation)
            {
                return ProtocolFail(c, "a new message before the previous one ended");
            }
            c.MessageOpcode = h.Opcode;
            c.MessageLength = 0;
            c.MessageMatches = true;
        }
        else
        {
            return ProtocolFail(c, $"the reserved opcode 0x{(int)h.Opcode:X}");
        }
        c.FrameOpcode = h.Opcode;
        c.FrameFin = h.Fin;
        c.Remaining = h.PayloadLength;
        c.InPayload = true;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnPayload(LoadConnection c, ReadOnlySpan<byte> data)
    {
        if (((byte)c.FrameOpcode & 0x08) != 0)
        {
            data.CopyTo((c.Control ??= new byte[FrameHeader.MaxControlPayload]).AsSpan(c.ControlLength));
            c.ControlLength += data.Length;
            return;
        }
        if (_mode == BenchMode.Echo)
        {
            if (c.MessageMatches && (c.MessageLength + data.Length > _size || !data.SequenceEqual(_plan.Payload.AsSpan((int)c.MessageLength, data.Length))))
            {
                c.MessageMatches = false;
            }
        }
        else if (_mode == BenchMode.Fanout && c.MessageLength < FanoutStamp.Length(_text))
        {
            int take = (int)Math.Min(data.Length, FanoutStamp.Length(_text) - c.MessageLength);
            data[..take].CopyTo(((Span<byte>)c.Stamp)[(int)c.MessageLength..]);
        }
        c.MessageLength += data.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool EndFrame(LoadConnection c)
    {
        c.InPayload = false;
        switch (c.FrameOpcode)
        {
            case Opcode.Ping:
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response."
                if (c.Phase == LoadPhase.Open)
                {
                    byte[] pong = MaskedFrames.Pong(c.Control.AsSpan(0, c.ControlLength));
                    return Write(c, pong, pong.Length);
                }
                return true;
            case Opcode.Pong:
                return true;
            case Opcode.Close:
                OnCloseFrame(c);
                return false;
        }
        if (!c.FrameFin)
        {
            return true;
        }
        Opcode kind = c.MessageOpcode;
        c.MessageOpcode = Opcode.Continuation;
        return OnMessage(c, kind);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool OnMessage(LoadConnection c, Opcode kind)
    {
        if (c.Phase != LoadPhase.Open)
        {
            // RFC 6455 §5.5.1: after its close frame this side sends no more data; echoes still in flight are dropped.
            return true;
        }
        long now = Stopwatch.GetTimestamp();
        switch (_mode)
        {
            case BenchMode.Echo:
                if (!c.MessageMatches || c.MessageLength != _size || kind != (_text ? Opcode.Text : Opcode.Binary))
                {
                    return ProtocolFail(c, c.MessageLength != _size
                        ? $"an echo of {c.MessageLength:N0} bytes for a message of {_size:N0}"
                        : "an echo that differs from the message sent");
                }
                Stats.Messages++;
                Stats.Bytes += _size;
                RecordLatency(now - c.SentAt);
                CountSecond();
                return SendNextEcho(c, now);
            case BenchMode.Fanout when !c.IsPublisher:
                OnDelivery(c, now);
                return true;
            default:
                Stats.Messages++;
                Stats.Bytes += c.MessageLength;
                return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnDelivery(LoadConnection c, long now)
    {
        if (c.MessageLength < FanoutStamp.Length(_text) || !FanoutStamp.TryRead(c.Stamp, _text, out _, out long sentAt))
        {
            Stats.Errors.Add(ErrorKind.Protocol, "a message without the bench's stamp", "another client publishes on this topic, or the server changed the message");
            return;
        }
        Stats.Messages++;
        Stats.Bytes += c.MessageLength;
        CountSecond();
        if (sentAt >= _schedule.MeasureStartsAt && sentAt < _schedule.MeasureEndsAt && _schedule.WarmupStartsAt != 0)
        {
            // Latency first, then the count, published with a release write: the runner stops draining once the counts add
            // up (read with acquire), and every delivery counted must by then be in the histogram it merges.
            RecordLatency(now - sentAt, published: true);
            Volatile.Write(ref Stats.DeliveredMeasured, Stats.DeliveredMeasured + 1);
        }
    }

    private void OnCloseFrame(LoadConnection c)
    {
        ushort code = c.ControlLength >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(c.Control) : (ushort)1005;
        if (c.Phase == LoadPhase.Closing)
        {
            // This side closed first and the server answered: the closing handshake is done.
            if (_mode == BenchMode.Handshakes && !_stopping)
            {
                Stats.Handshakes++;
                CountSecond();
            }
            Close(c);
            return;
        }
        string reason = c.ControlLength > 2 ? System.Text.Encoding.UTF8.GetString(c.Control.AsSpan(2, c.ControlLength - 2)) : "";
        Stats.Errors.Add(ErrorKind.Closed, code.ToString(System.Globalization.CultureInfo.InvariantCulture),
            reason.Length > 0 ? $"the server closed with {code}: {reason}" : $"the server closed with {code}");
        // RFC 6455 §5.5.1: the endpoint "MUST send a Close frame in response", typically echoing the status code.
        byte[] reply = MaskedFrames.Close(code is 1005 or 1006 or 1015 ? (ushort)1000 : code);
        fixed (byte* b = reply)
        {
            Libc.send(c.Fd, b, reply.Length, Libc.MSG_NOSIGNAL);
        }
        Close(c);
    }

    // ---------------------------------------------------------------- fanout

    private void Publish(long now, long warm)
    {
        var p = _publisher!;
        if (p.Phase != LoadPhase.Open || p.Out is not null || _stopping)
        {
            return;
        }
        long due = (long)((now - warm) * (double)_plan.Settings.Rate / Stopwatch.Frequency);
        Opcode opcode = _text ? Opcode.Text : Opcode.Binary;
        for (int burst = 0; _sequence < due && burst < MaxPublishBurst && p.Out is null && p.Phase == LoadPhase.Open; burst++)
        {
            long sentAt = Stopwatch.GetTimestamp();
            FanoutStamp.Write(_publishPayload, _sequence, sentAt, _text);
            int length = MaskedFrames.Write(_publishFrame, opcode, _publishPayload, _publishKeys[_sequence & (MaskedFrames.Variants - 1)]);
            _sequence++;
            Stats.Published++;
            if (sentAt >= _schedule.MeasureStartsAt && sentAt < _schedule.MeasureEndsAt)
            {
                Stats.PublishedMeasured++;
            }
            if (!Write(p, _publishFrame, length))
            {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- closing

    private bool ProtocolFail(LoadConnection c, string what)
    {
        if (c.Phase == LoadPhase.Open)
        {
            // RFC 6455 §7.4.1: 1002, "terminating the connection due to a protocol error". Best effort: it is closing anyway.
            byte[] close = MaskedFrames.Close(1002);
            fixed (byte* b = close)
            {
                Libc.send(c.Fd, b, close.Length, Libc.MSG_NOSIGNAL);
            }
        }
        Fail(c, ErrorKind.Protocol, what);
        return false;
    }

    private void Fail(LoadConnection c, ErrorKind kind, string detail, string? example = null)
    {
        Stats.Errors.Add(kind, detail, example ?? detail);
        Close(c);
    }

    private void Close(LoadConnection c)
    {
        if (c.Phase is LoadPhase.Connecting or LoadPhase.Upgrading)
        {
            _inFlight--;
        }
        else if (c.Phase is LoadPhase.Open or LoadPhase.Closing)
        {
            Stats.Open--;
        }
        if (c.Fd >= 0)
        {
            // close() also takes the socket out of the epoll set.
            Libc.close(c.Fd);
        }
        if (c.Head is not null)
        {
            ArrayPool<byte>.Shared.Return(c.Head);
        }
        Release(c);
    }

    private void Release(LoadConnection c)
    {
        c.Reset();
        if (_mode == BenchMode.Handshakes && !_stopping)
        {
            _freeSlots.Push(c.Index);
        }
    }

    /// <summary>Starts the closing handshake on every open connection and waits for the answers, two seconds at most.</summary>
    private void CloseAll()
    {
        _stopping = true;
        long now = Stopwatch.GetTimestamp();
        foreach (var c in _connections)
        {
            if (c.Phase == LoadPhase.Open)
            {
                c.Phase = LoadPhase.Closing;
                c.StartedAt = now;
                Write(c, _plan.CloseFrame, _plan.CloseFrame.Length);
            }
            else if (c.Phase is LoadPhase.Connecting or LoadPhase.Upgrading)
            {
                Close(c);
            }
        }
        long deadline = now + CloseGrace;
        while (Stats.Open > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            Wait(10);
        }
        foreach (var c in _connections)
        {
            if (c.Phase != LoadPhase.Free)
            {
                Stats.UnansweredCloses++;
                Close(c);
            }
        }
    }
}
