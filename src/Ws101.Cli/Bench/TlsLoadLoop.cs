using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Cli.Bench;

/// <summary>
/// The load of a wss:// run: each connection is a task over .NET's <see cref="SslStream"/> doing the client's side of RFC
/// 6455 with the library's pure pieces, as <see cref="LoadLoop"/> does over plain sockets. TLS needs a TLS engine, which the
/// raw epoll loop does not have, so this one runs on the thread pool; with <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>
/// in its environment the completions and the decrypting stay on the sockets' epoll thread and the load costs least.
/// It drives echo and handshakes: the two points where TLS costs the server something per operation.
/// </summary>
internal sealed class TlsLoadLoop : ILoadLoop
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(10);

    private readonly LoadPlan _plan;
    private readonly RunSchedule _schedule;
    private readonly int _connections;
    private readonly int _size;
    private readonly bool _text;
    private readonly IPAddress[] _sources;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _tasks = [];
    private int _nextSource;
    private int _nextRequest;
    private int _settled;
    private volatile bool _measuring;
    private volatile bool _stopping;
    private Thread? _thread;

    public TlsLoadLoop(LoadPlan plan, RunSchedule schedule, int connections, int id)
    {
        if (plan.Settings.Mode is not (BenchMode.Echo or BenchMode.Handshakes))
        {
            throw new ArgumentException("Over wss:// ws101 bench measures echo and handshakes.");
        }
        _plan = plan;
        _schedule = schedule;
        _connections = connections;
        _size = plan.Settings.Size;
        _text = plan.Settings.Text;
        // The sockaddr_in of each source address holds the IPv4 address at bytes 4 to 7.
        _sources = [.. plan.Target.SourceAddresses.Select(a => new IPAddress(a.AsSpan(4, 4)))];
        Id = id;
        Stats = new LoopStats(plan.Seconds);
    }

    public int Id { get; }

    public LoopStats Stats { get; }

    public Exception? Fault { get; private set; }

    /// <summary>Whether certificates are accepted unchecked (--insecure).</summary>
    public bool AcceptAnyCertificate { get; init; }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"ws101 bench tls {Id}" };
        _thread.Start();
    }

    public bool Join(TimeSpan timeout) => _thread is null || _thread.Join(timeout);

    public void Dispose() => _abort.Dispose();

    /// <summary>Starts the connections' tasks, then keeps the schedule: the measured window's edges, and the stop.</summary>
    private void Run()
    {
        try
        {
            for (int i = 0; i < _connections; i++)
            {
                _tasks.Add(_plan.Settings.Mode == BenchMode.Echo ? Task.Run(EchoAsync) : Task.Run(HandshakesAsync));
            }
            if (_plan.Settings.Mode == BenchMode.Handshakes)
            {
                Stats.OpeningDone = true;
            }
            bool measured = false;
            while (!_schedule.StopRequested)
            {
                long now = Stopwatch.GetTimestamp();
                if (_schedule.WarmupStartsAt != 0 && !measured)
                {
                    // The window opens and closes under the lock an echo is counted under (CountEcho), so that the
                    // messages counted in it and the latencies recorded in it are the same messages.
                    if (!_measuring && now >= _schedule.MeasureStartsAt)
                    {
                        lock (Stats.Latency)
                        {
                            Stats.MeasureStartedAt = now;
                            Stats.MessagesAtStart = Volatile.Read(ref Stats.Messages);
                            Stats.BytesAtStart = Volatile.Read(ref Stats.Bytes);
                            Stats.HandshakesAtStart = Volatile.Read(ref Stats.Handshakes);
                            Stats.Latency.Reset();
                            _measuring = true;
                        }
                    }
                    if (_measuring && now >= _schedule.MeasureEndsAt)
                    {
                        lock (Stats.Latency)
                        {
                            _measuring = false;
                            Stats.MessagesAtEnd = Volatile.Read(ref Stats.Messages);
                            Stats.BytesAtEnd = Volatile.Read(ref Stats.Bytes);
                            Stats.HandshakesAtEnd = Volatile.Read(ref Stats.Handshakes);
                        }
                        measured = true;
                        Volatile.Write(ref Stats.MeasureEndedAt, now);
                    }
                }
                Thread.Sleep(2);
            }
            _stopping = true;
            _measuring = false;
            // Each connection sends its close frame and waits for the answer; what is still running after the grace is cut.
            if (!Task.WaitAll([.. _tasks], CloseGrace + TimeSpan.FromSeconds(1)))
            {
                _abort.Cancel();
                Task.WaitAll([.. _tasks], TimeSpan.FromSeconds(5));
            }
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

    // ---------------------------------------------------------------- the two workloads

    private async Task EchoAsync()
    {
        var (c, _) = await OpenAsync().ConfigureAwait(false);
        Settled();
        if (c is null)
        {
            return;
        }
        Interlocked.Increment(ref Stats.Open);
        Interlocked.Increment(ref Stats.Opened);
        try
        {
            int sent = 0;
            while (!_schedule.StopRequested)
            {
                long sentAt = Stopwatch.GetTimestamp();
                await c.Stream.WriteAsync(_plan.MessageFrames[sent++ & (MaskedFrames.Variants - 1)], _abort.Token).ConfigureAwait(false);
                if (!await ReadEchoAsync(c).ConfigureAwait(false))
                {
                    return;
                }
                long now = Stopwatch.GetTimestamp();
                CountEcho(now - sentAt);
                Completed(now, null);
            }
            await CloseAsync(c).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            Ended(ex);
        }
        finally
        {
            Interlocked.Decrement(ref Stats.Open);
            c.Dispose();
        }
    }

    private async Task HandshakesAsync()
    {
        while (!_schedule.StopRequested)
        {
            var (c, startedAt) = await OpenAsync().ConfigureAwait(false);
            if (c is null)
            {
                // A refused connect fails at once: pause instead of spinning on it.
                await Task.Delay(RetryPause).ConfigureAwait(false);
                continue;
            }
            try
            {
                long now = Stopwatch.GetTimestamp();
                RecordLatency(now - startedAt);
                if (await CloseAsync(c).ConfigureAwait(false) && !_stopping)
                {
                    Interlocked.Increment(ref Stats.Handshakes);
                    Completed(Stopwatch.GetTimestamp(), null);
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                Ended(ex);
            }
            finally
            {
                c.Dispose();
            }
        }
    }

    // ---------------------------------------------------------------- opening: TCP, TLS, upgrade

    /// <summary>Connects, completes TLS and the upgrade; null (the error counted) when any step failed.</summary>
    private async Task<(TlsLoadConnection? Connection, long StartedAt)> OpenAsync()
    {
        long startedAt = Stopwatch.GetTimestamp();
        var target = _plan.Target;
        var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        deadline.CancelAfter(_plan.Settings.Timeout);
        string step = "connect";
        TlsLoadConnection? c = null;
        try
        {
            if (_sources.Length > 0)
            {
                // IP_BIND_ADDRESS_NO_PORT (24): connect() picks the port per (source, destination) pair, as LoadLoop does.
                socket.SetRawSocketOption((int)SocketOptionLevel.IP, 24, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(_sources[(int)((uint)Interlocked.Increment(ref _nextSource) % (uint)_sources.Length)], 0));
            }
            await socket.ConnectAsync(target.EndPoint, deadline.Token).ConfigureAwait(false);
            step = "tls";
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            c = new TlsLoadConnection(ssl, socket);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _plan.Url.IdnHost,
#pragma warning disable CA5359 // --insecure exists to accept a self-signed test certificate; it is documented as testing only.
                RemoteCertificateValidationCallback = AcceptAnyCertificate ? static (_, _, _, _) => true : null,
#pragma warning restore CA5359
            }, deadline.Token).ConfigureAwait(false);
            step = "upgrade";
            int variant = (int)((uint)Interlocked.Increment(ref _nextRequest) % LoadPlan.RequestVariants);
            var offer = _plan.Requests[variant].Offer;
            await ssl.WriteAsync(_plan.RequestBytes[variant], deadline.Token).ConfigureAwait(false);
            while (true)
            {
                var result = ClientHandshake.Read(offer, new ReadOnlySequence<byte>(c.BufferedMemory), false, null, out int consumed, out _);
                if (result is null)
                {
                    if (await c.FillAsync(deadline.Token).ConfigureAwait(false))
                    {
                        continue;
                    }
                    result = ClientHandshake.Read(offer, new ReadOnlySequence<byte>(c.BufferedMemory), true, null, out consumed, out _);
                }
                if (result is null || !result.IsSuccess)
                {
                    string problem = result?.Problems[0].Id ?? "no-response";
                    Error(ErrorKind.Handshake, problem, result?.Problems[0].Actual is { Length: > 0 } actual ? $"{problem}: {actual}" : problem);
                    c.Dispose();
                    return (null, startedAt);
                }
                c.Consume(consumed);
                return (c, startedAt);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            if (c is not null)
            {
                c.Dispose();
            }
            else
            {
                socket.Dispose();
            }
            if (!_stopping)
            {
                bool timedOut = ex is OperationCanceledException && !_abort.IsCancellationRequested;
                (ErrorKind kind, string detail) = (step, timedOut) switch
                {
                    (_, true) => (ErrorKind.Timeout, step == "connect" ? "connect" : "handshake-timeout"),
                    ("connect", _) => (ErrorKind.Connect, ex.Message),
                    ("tls", _) => (ErrorKind.Handshake, "tls-failed"),
                    _ => (ErrorKind.Closed, "1006"),
                };
                Error(kind, detail, $"{step}: {ex.Message}");
            }
            return (null, startedAt);
        }
    }

    // ---------------------------------------------------------------- reading frames

    /// <summary>Reads one echoed message and checks it against what was sent; false (the error counted) otherwise.</summary>
    private async ValueTask<bool> ReadEchoAsync(TlsLoadConnection c)
    {
        long got = 0;
        bool matches = true;
        Opcode kind = Opcode.Continuation;
        while (true)
        {
            var (header, ok) = await ReadHeaderAsync(c).ConfigureAwait(false);
            if (!ok)
            {
                return false;
            }
            if (header.IsControl)
            {
                if (!await OnControlAsync(c, header).ConfigureAwait(false))
                {
                    return false;
                }
                continue;
            }
            if (header.Opcode != Opcode.Continuation)
            {
                // RFC 6455 §5.4: the fragments of one message are not interleaved with another message's.
                if (kind != Opcode.Continuation)
                {
                    return ProtocolFail("a new message before the previous one ended");
                }
                kind = header.Opcode;
            }
            else if (kind == Opcode.Continuation)
            {
                return ProtocolFail("a continuation frame with no message to continue");
            }
            long remaining = header.PayloadLength;
            while (remaining > 0)
            {
                if (c.Buffered.Length == 0 && !await c.FillAsync(_abort.Token).ConfigureAwait(false))
                {
                    return Lost();
                }
                int take = (int)Math.Min(remaining, c.Buffered.Length);
                if (matches && (got + take > _size || !c.Buffered[..take].SequenceEqual(_plan.Payload.AsSpan((int)got, take))))
                {
                    matches = false;
                }
                c.Consume(take);
                got += take;
                remaining -= take;
            }
            if (header.Fin)
            {
                if (!matches || got != _size || kind != (_text ? Opcode.Text : Opcode.Binary))
                {
                    return ProtocolFail(got != _size ? $"an echo of {got:N0} bytes for a message of {_size:N0}" : "an echo that differs from the message sent");
                }
                return true;
            }
        }
    }

    /// <summary>Reads the next frame header and checks what a client must check of it (RFC 6455 §5.1, §5.2, §5.5).</summary>
    private async ValueTask<(FrameHeader Header, bool Ok)> ReadHeaderAsync(TlsLoadConnection c)
    {
        while (true)
        {
            var status = FrameHeader.TryParse(c.Buffered, out var header, out int used);
            if (status == OperationStatus.Done)
            {
                c.Consume(used);
                // RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame."
                if (header.IsMasked)
                {
                    return (header, ProtocolFail("a masked frame from the server"));
                }
                // RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated"; the bench offers none.
                if (header.ReservedBits != ReservedBits.None)
                {
                    return (header, ProtocolFail("reserved bits set with no extension negotiated"));
                }
                // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
                if (header.IsControl && (!header.Fin || header.PayloadLength > FrameHeader.MaxControlPayload))
                {
                    return (header, ProtocolFail("a fragmented or oversized control frame"));
                }
                if (header.Opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
                {
                    return (header, ProtocolFail($"the reserved opcode 0x{(int)header.Opcode:X}"));
                }
                return (header, true);
            }
            if (status != OperationStatus.NeedMoreData)
            {
                // RFC 6455 §5.2: "the most significant bit MUST be 0" in a 64-bit payload length.
                return (header, ProtocolFail("a frame length with its most significant bit set"));
            }
            if (!await c.FillAsync(_abort.Token).ConfigureAwait(false))
            {
                return (header, Lost());
            }
        }
    }

    /// <summary>A ping gets its pong; a pong is dropped; a close from the server ends the connection (counted). False when it ended.</summary>
    private async ValueTask<bool> OnControlAsync(TlsLoadConnection c, FrameHeader header)
    {
        int length = (int)header.PayloadLength;
        while (c.Buffered.Length < length)
        {
            if (!await c.FillAsync(_abort.Token).ConfigureAwait(false))
            {
                return Lost();
            }
        }
        byte[] payload = c.Buffered[..length].ToArray();
        c.Consume(length);
        switch (header.Opcode)
        {
            case Opcode.Ping:
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response."
                await c.Stream.WriteAsync(MaskedFrames.Pong(payload), _abort.Token).ConfigureAwait(false);
                return true;
            case Opcode.Pong:
                return true;
            default:
                ushort code = length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : (ushort)1005;
                Error(ErrorKind.Closed, code.ToString(System.Globalization.CultureInfo.InvariantCulture), $"the server closed with {code}");
                // RFC 6455 §5.5.1: the endpoint "MUST send a Close frame in response".
                await c.Stream.WriteAsync(MaskedFrames.Close(code is 1005 or 1006 or 1015 ? (ushort)1000 : code), _abort.Token).ConfigureAwait(false);
                return false;
        }
    }

    /// <summary>Sends this side's close frame and reads until the server's answers it (data still in flight is dropped); false without one.</summary>
    private async ValueTask<bool> CloseAsync(TlsLoadConnection c)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        grace.CancelAfter(_stopping ? CloseGrace : _plan.Settings.Timeout);
        try
        {
            await c.Stream.WriteAsync(_plan.CloseFrame, grace.Token).ConfigureAwait(false);
            while (true)
            {
                var status = FrameHeader.TryParse(c.Buffered, out var header, out int used);
                if (status == OperationStatus.Done && c.Buffered.Length >= used + header.PayloadLength)
                {
                    c.Consume(used + (int)header.PayloadLength);
                    if (header.Opcode == Opcode.Close)
                    {
                        return true;
                    }
                    continue;
                }
                if (status == OperationStatus.InvalidData)
                {
                    return ProtocolFail("a frame length with its most significant bit set");
                }
                if (!await c.FillAsync(grace.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
        }
        if (_stopping)
        {
            Interlocked.Increment(ref Stats.UnansweredCloses);
        }
        else
        {
            Error(ErrorKind.Timeout, "close", "the server did not answer the close frame");
        }
        return false;
    }

    // ---------------------------------------------------------------- counting

    private void Settled()
    {
        if (Interlocked.Increment(ref _settled) == _connections)
        {
            Stats.OpeningDone = true;
        }
    }

    private void Completed(long now, long? latency)
    {
        if (latency is { } ticks)
        {
            RecordLatency(ticks);
        }
        long warm = _schedule.WarmupStartsAt;
        if (warm != 0)
        {
            long second = (now - warm) / Stopwatch.Frequency;
            if ((ulong)second < (ulong)Stats.PerSecond.Length)
            {
                Interlocked.Increment(ref Stats.PerSecond[second]);
            }
        }
    }

    /// <summary>
    /// Counts one echoed message and, in the measured window, its latency: both under the lock the window opens and closes
    /// under, so the window's message count and its latency count never differ (a message counted just before the window
    /// closed could otherwise have its latency dropped, or the other way round).
    /// </summary>
    private void CountEcho(long ticks)
    {
        lock (Stats.Latency)
        {
            Interlocked.Increment(ref Stats.Messages);
            Interlocked.Add(ref Stats.Bytes, _size);
            if (_measuring)
            {
                Stats.Latency.RecordValue(Clamped(ticks));
            }
        }
    }

    private void RecordLatency(long ticks)
    {
        if (!_measuring)
        {
            return;
        }
        lock (Stats.Latency)
        {
            Stats.Latency.RecordValue(Clamped(ticks));
        }
    }

    /// <summary>A latency in nanoseconds within what the histogram records (a clock step can make it negative).</summary>
    private static long Clamped(long ticks) => Math.Clamp(RunSchedule.ToNanoseconds(ticks), 0, LoopStats.HighestLatency);

    private void Error(ErrorKind kind, string detail, string? example = null)
    {
        lock (Stats.Errors)
        {
            Stats.Errors.Add(kind, detail, example ?? detail);
        }
    }

    private bool ProtocolFail(string what)
    {
        Error(ErrorKind.Protocol, what);
        return false;
    }

    private bool Lost()
    {
        if (!_stopping)
        {
            Error(ErrorKind.Closed, "1006", "the connection ended without a close frame");
        }
        return false;
    }

    private void Ended(Exception ex)
    {
        if (!_stopping)
        {
            Error(ErrorKind.Closed, "1006", $"the connection ended without a close frame: {ex.Message}");
        }
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException;
}
