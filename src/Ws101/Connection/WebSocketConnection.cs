using System.Net;
using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101;

/// <summary>
/// An open WebSocket connection, on the server's side or the client's: receive messages, send text and
/// binary (whole or streamed), ping, and close. One receive at a time; sends may come from any number of
/// callers at once (they are serialized, in call order per caller).
/// </summary>
/// <remarks>
/// Steady-state sends and receives allocate nothing: a received message's <see cref="WebSocketMessage.Data"/>
/// points into the connection's buffers until the next receive, and frames are written into a reused buffer.
/// </remarks>
public sealed partial class WebSocketConnection : IAsyncDisposable
{
    // A thin driver of the sans-I/O core over a transport, both held by the FrameWriter (one reference each per connection).
    // One lock, the core object itself (handed to no one but this connection and its writer), guards the core and the
    // connection's own state: the end and the closing handshake (_end) and the writer's send turn. The receive buffer
    // belongs to the one receive loop (_receiving); the outgoing one to the turn.
    private readonly WebSocketConnectionOptions _options;
    private readonly FrameWriter _writer;
    private WebSocketConnectionCore Core => _writer.Core;
    internal DuplexTransport Transport => _writer.Transport;
    private ReceiveBuffer _in;
    // Who holds the receive: nobody, a receive of the application's or the pump's, or the closing handshake reading up to
    // the peer's close because no receive was running when it started (AwaitEndAsync).
    private const int NotReceiving = 0;
    private const int Receiving = 1;
    private const int DrainingForClose = 2;
    private int _receiving;
    private int _disposed;
    private ConnectionEnd _end;

    // What the keepalive decides on: Environment.TickCount64 values, 0 meaning "not now". For _lastReceived, 0 means
    // "bytes arrived since the heartbeat last looked": the heartbeat stamps its own time on that, so that receiving costs
    // no clock read per message (the keepalive decides once a second; its own time is exact enough).
    private const long ReceivedSinceHeartbeat = 0;
    private long _lastReceived;
    private long _pingSent;
    // The server's bookkeeping of this session: its slot in the server's table, when it opened, the pump that drives it.
    internal ServerSession Session;

    internal WebSocketConnection(DuplexTransport transport, WebSocketRole role, WebSocketConnectionOptions options,
        WebSocketHandshakeInfo handshake, ReadOnlySpan<byte> initialData, PerMessageDeflateAgreement? deflate = null)
    {
        _options = options;
        var core = new WebSocketConnectionCore(role, options.Protocol, deflate, options.Compression) { WaitsForWholeFrames = true };
        _writer = new FrameWriter(this, core, transport);
        Handshake = handshake;
        _lastReceived = Environment.TickCount64;
        if (!initialData.IsEmpty)
        {
            _in.Fill(initialData, options.ReceiveBufferSize);
        }
    }

    /// <summary>Server or client.</summary>
    public WebSocketRole Role => Core.Role;

    /// <summary>What the opening handshake established: request, subprotocol, extensions.</summary>
    public WebSocketHandshakeInfo Handshake { get; }

    /// <summary>Whatever the application keeps with this connection: a <see cref="WebSocketMessageHandler"/>'s per-connection state, say.</summary>
    public object? UserState { get; set; }

    /// <summary>The subprotocol agreed in the handshake, or null.</summary>
    public string? Subprotocol => Handshake.Subprotocol;

    /// <summary>What permessage-deflate agreed for this connection (RFC 7692), or null when it is not in use.</summary>
    internal PerMessageDeflateAgreement? PerMessageDeflate => Core.PerMessageDeflate;

    /// <summary>Whether permessage-deflate (RFC 7692) is in use; the agreed element is in <see cref="WebSocketHandshakeInfo.ResponseHeaders"/>.</summary>
    public bool IsCompressed => Core.PerMessageDeflate is not null;

    /// <summary>The peer's address.</summary>
    public EndPoint? RemoteEndPoint => Transport.RemoteEndPoint;

    /// <summary>This side's address.</summary>
    public EndPoint? LocalEndPoint => Transport.LocalEndPoint;

    /// <summary>Where the closing handshake stands.</summary>
    public ConnectionState State
    {
        get
        {
            lock (Core)
            {
                return _end.HasEnded ? ConnectionState.Closed : Core.State;
            }
        }
    }

    /// <summary>How the connection ended, once it has: the peer's close code, 1005 without one, 1006 when it just dropped.</summary>
    public CloseCode? CloseStatus => _end.Status ?? Core.CloseStatus;

    /// <summary>
    /// When this side failed the connection because the peer broke the protocol: the rule (<see cref="ProtocolError.Rule"/>),
    /// the reason, and the evidence (the offending frame's header bytes and offset); null otherwise.
    /// </summary>
    public ProtocolError? ProtocolError => Core.Error;

    /// <summary>The reason that goes with <see cref="CloseStatus"/>.</summary>
    public string? CloseReason => _end.Reason ?? Core.CloseReason;

    /// <summary>The options of this connection.</summary>
    internal WebSocketConnectionOptions Options => _options;

    /// <summary>True once the transport is closed or dropped; nothing more can be sent or received.</summary>
    internal bool HasEnded => _end.HasEnded;

    /// <summary>Bytes of buffers held now: the send and receive buffers (rented only while bytes are on their way) and the
    /// core's. 0 for an idle connection; for tests and diagnostics.</summary>
    internal int HeldBufferBytes
    {
        get
        {
            lock (Core)
            {
                return _writer.Capacity + _in.Capacity + Core.HeldBufferBytes;
            }
        }
    }

    /// <summary>Raised once, when the transport is closed or dropped.</summary>
    internal event Action<WebSocketConnection>? Ended;

    /// <summary>
    /// Receives the next message (whole, or the next part when the options stream), a surfaced ping, or the close.
    /// Pongs and automatic replies are handled inside. After a <see cref="WebSocketMessageKind.Close"/> every call
    /// returns the same close again. While a <see cref="CloseAsync"/> that found no receive running reads up to the peer's
    /// close, a receive waits for the end and returns the close (the messages that close read are discarded).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another receive is in progress.</exception>
    public ValueTask<WebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default) => TakeReceive(untilIdle: false, cancellationToken);

    /// <summary>The message pump's receive: what is buffered or readable now. With nothing there, a message of no kind (<c>default</c>),
    /// and the receive stays taken for the pump's wait for readiness, which it comes back from <paramref name="resuming"/>.</summary>
    internal ValueTask<WebSocketMessage> ReceiveReadyAsync(bool resuming) =>
        // Resuming, the receive is still the pump's: no atomic instruction per message is needed to take it.
        resuming ? Receive(untilIdle: true, CancellationToken.None) : TakeReceive(untilIdle: true, CancellationToken.None);

    /// <summary>Takes the receive and receives; while a close reads up to the peer's close, returns the close once the connection ends.</summary>
    private ValueTask<WebSocketMessage> TakeReceive(bool untilIdle, CancellationToken cancellationToken) =>
        Interlocked.CompareExchange(ref _receiving, Receiving, NotReceiving) switch
        {
            NotReceiving => Receive(untilIdle, cancellationToken),
            DrainingForClose => ReceiveAfterCloseAsync(cancellationToken),
            _ => throw ReceiveInProgress(),
        };

    private static InvalidOperationException ReceiveInProgress() =>
        new("Another ReceiveAsync is in progress on this connection; receive from one loop at a time.");

    /// <summary>
    /// A receive of the application's (or the pump's) that came while a close started elsewhere reads up to the peer's close:
    /// the loop was busy with its last message when the close came (the server's stop, a topic's slow-subscriber close), so
    /// nobody was receiving then. It is that loop's next receive, not a second one: it gets the close once the connection ends,
    /// as it would have had it read on, rather than an error for a receive it never started.
    /// </summary>
    private async ValueTask<WebSocketMessage> ReceiveAfterCloseAsync(CancellationToken cancellationToken)
    {
        Task ended;
        lock (Core)
        {
            ended = _end.HasEnded ? Task.CompletedTask : _end.Closing();
        }
        await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
        return EndedMessage();
    }

    private ValueTask<WebSocketMessage> Receive(bool untilIdle, CancellationToken cancellationToken)
    {
        bool handedOff = false;
        try
        {
            bool got = TryReceiveBuffered(out var message, out bool flush);
            if (!got && !flush && untilIdle && _in.IsEmpty)
            {
                // The pump's turn, nearly always: a message that arrives whole in one read needs none of the slow path's machinery.
                switch (ReadReadyNow(out message, out flush))
                {
                    case ReadyRead.Nothing:
                        handedOff = true;
                        return default;
                    case ReadyRead.Ended:
                        return new ValueTask<WebSocketMessage>(message);
                    case ReadyRead.Parsed:
                        got = true;
                        break;
                }
            }
            if (got && !flush && !message.IsClose)
            {
                return new ValueTask<WebSocketMessage>(message);
            }
            handedOff = true;
            return ReceiveSlowAsync(got ? message : null, flush, untilIdle, cancellationToken);
        }
        finally
        {
            if (!handedOff)
            {
                Volatile.Write(ref _receiving, NotReceiving);
            }
        }
    }

    /// <summary>Reads every message until the close, which is not yielded; the loop ends when the connection does.</summary>
    public async IAsyncEnumerable<WebSocketMessage> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var message = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (message.IsClose)
            {
                yield break;
            }
            yield return message;
        }
    }

    // One pooled state machine for the whole wait, so that an idle connection holds a single suspended frame
    // and a busy one allocates nothing per message.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebSocketMessage> ReceiveSlowAsync(WebSocketMessage? ready, bool flush, bool untilIdle, CancellationToken cancellationToken)
    {
        bool idle = false;
        bool failed = false;
        try
        {
            while (true)
            {
                if (flush)
                {
                    await _writer.FlushRepliesAsync(cancellationToken).ConfigureAwait(false);
                }
                if (ready is { } message)
                {
                    return await AfterEventAsync(message).ConfigureAwait(false);
                }
                int n;
                try
                {
                    if (_in.IsEmpty)
                    {
                        // Nothing half-parsed: give the buffers back while waiting, so that an idle connection holds none.
                        ReleaseIdleBuffers();
                        if (!untilIdle)
                        {
                            await Transport.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
                        }
                        else if (Transport.NothingToReadNow)
                        {
                            // The pump's turn after each message, most often: nothing more has come, so no buffer is rented for it.
                            idle = true;
                            return default;
                        }
                    }
                    var space = _in.GetSpace(_in.ReadSize(_options.ReceiveBufferSize, Core.WholeFrameLength));
                    n = (untilIdle || Transport.ReceivesNowExactly) && _in.IsEmpty
                        ? Transport.TryReceiveNow(space.Span) : await Transport.ReceiveAsync(space, cancellationToken).ConfigureAwait(false);
                    if (n < 0)
                    {
                        // An edge for bytes an earlier read took finds nothing (an exact transport tells at no cost): the pump
                        // returns, the loop waits again, neither holding a buffer, rather than a receive waiting with one.
                        _in.Release();
                        if (idle = untilIdle)
                        {
                            return default;
                        }
                        flush = false;
                        continue;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex) when (DuplexTransport.IsFailure(ex))
                {
                    n = 0;
                }
                if (n == 0)
                {
                    return TransportEnded();
                }
                Received(n);
                ready = TryReceiveBuffered(out message, out flush) ? message : null;
            }
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            if (failed)
            {
                LeaveFailedReceive();
            }
            else if (!idle)
            {
                Volatile.Write(ref _receiving, NotReceiving);
            }
        }
    }

    /// <summary>
    /// A receive that ends in an exception (cancelled, most often) gives up the receive and keeps what it holds of a frame
    /// for the next receive; but once the connection has ended there is no next one, and the buffer goes back to the pool
    /// here. DisposeAsync leaves it to a receive still running, which gives it back as it sees the end: a receive cancelled
    /// before the end reached it (a socket's failure comes a moment after the close, and is reported as cancelled when the
    /// token is cancelled by then) would otherwise keep it until the garbage collector took it.
    /// </summary>
    private void LeaveFailedReceive()
    {
        // A full fence between giving up the receive and looking for the end. DisposeAsync marks the end and then (after a
        // lock is taken) looks at _receiving: one of the two sees the other, and gives the buffer back.
        Interlocked.Exchange(ref _receiving, NotReceiving);
        if (HasEnded)
        {
            // No receive uses the buffer once the connection has ended (it returns the close), so one that takes the
            // receive now cannot be reading into it.
            _in.Release();
        }
    }

    /// <summary>What <see cref="ReadReadyNow"/> found.</summary>
    private enum ReadyRead
    {
        /// <summary>Bytes read, but no whole event yet (part of a frame, or only pongs): the slow path reads the rest.</summary>
        Incomplete,
        /// <summary>Nothing to read now and nothing buffered: the pump waits for the next edge, the receive still taken.</summary>
        Nothing,
        /// <summary>An event parsed (a message, a surfaced ping, the close or a failure), with whether replies wait to be sent.</summary>
        Parsed,
        /// <summary>The transport ended or failed: the connection is ended and the message is its close.</summary>
        Ended,
    }

    /// <summary>
    /// The pump's read with nothing buffered and nothing owed to the peer, without the slow path's asynchronous machinery: the
    /// slow path's first pass, for a transport that reads exactly what is there now. The buffers go back first, as there,
    /// and the receive buffer is rented only when the transport has something.
    /// </summary>
    private ReadyRead ReadReadyNow(out WebSocketMessage message, out bool flush)
    {
        message = default;
        flush = false;
        ReleaseIdleBuffers();
        if (Transport.NothingToReadNow)
        {
            return ReadyRead.Nothing;
        }
        int n;
        try
        {
            n = Transport.TryReceiveNow(_in.GetSpace(_in.ReadSize(_options.ReceiveBufferSize, Core.WholeFrameLength)).Span);
        }
        catch (Exception ex) when (DuplexTransport.IsFailure(ex))
        {
            n = 0;
        }
        if (n < 0)
        {
            // An edge for bytes an earlier read took: nothing, and no buffer held while the pump waits again.
            _in.Release();
            return ReadyRead.Nothing;
        }
        if (n == 0)
        {
            message = TransportEnded();
            return ReadyRead.Ended;
        }
        Received(n);
        return TryReceiveBuffered(out message, out flush) ? ReadyRead.Parsed : ReadyRead.Incomplete;
    }

    /// <summary>Counts <paramref name="n"/> bytes just read into the receive buffer: the peer is alive (the keepalive's clock).</summary>
    private void Received(int n)
    {
        _in.Advance(n);
        _lastReceived = ReceivedSinceHeartbeat;
        _pingSent = 0;
        Ws101Metrics.Io.Add(n, Ws101Metrics.Receive);
    }

    /// <summary>The transport ended (the peer's FIN, or a failure): ends the connection and returns the close it reports.</summary>
    private WebSocketMessage TransportEnded()
    {
        End(ConnectionEnding.TransportEnded, null, null);
        _in.Release();
        return EndedMessage();
    }

    private void ReleaseIdleBuffers()
    {
        _in.Release();
        if (Core.MayHoldIdleBuffers)
        {
            lock (Core)
            {
                Core.ReleaseIdleBuffers();
            }
        }
    }

    /// <summary>
    /// Parses what is buffered. True with a message to return; <paramref name="flush"/> says automatic replies wait
    /// to be sent (a pong, the close reply, a failure's close frame).
    /// </summary>
    private bool TryReceiveBuffered(out WebSocketMessage message, out bool flush)
    {
        message = default;
        if (_in.IsEmpty && !_end.HasEnded && !Core.HasPendingOutput)
        {
            // Nothing to parse, not ended, no reply waiting: the answer the lock would give, without taking it (the pump looks
            // here twice per message with nothing buffered). The buffer is this receive loop's own; replies are queued only by
            // its own parsing, so a reply this look could miss does not exist; and an end that comes just after this look is
            // seen by the read that follows (a closed transport reads as ended), as it would be after a look under the lock.
            flush = false;
            return false;
        }
        while (true)
        {
            ProtocolEvent ev;
            bool got;
            lock (Core)
            {
                if (_end.HasEnded)
                {
                    flush = false;
                    message = EndedMessage();
                    return true;
                }
                // With nothing buffered, a failure's close may still wait to be sent (after a failure there is no more input).
                got = _in.TryParse(Core, out ev);
                flush = Core.HasPendingOutput;
            }
            if (!got)
            {
                return false;
            }
            if (ev.Kind == ProtocolEventKind.Pong)
            {
                // Parse on: replies waiting to be sent (flush) go out before the next message is returned.
                _pingSent = 0;
                _ping.Answered();
                continue;
            }
            message = ev.Kind == ProtocolEventKind.Error && Core.Error is { } error ? WebSocketMessage.Failed(error) : WebSocketMessage.From(ev);
            if (ev.Kind is ProtocolEventKind.Message or ProtocolEventKind.Fragment)
            {
                Ws101Metrics.Messages.Add(1, Ws101Metrics.Receive);
            }
            return true;
        }
    }

    /// <summary>After a close or an error event: finish the closing handshake and release the transport.</summary>
    private async ValueTask<WebSocketMessage> AfterEventAsync(WebSocketMessage message)
    {
        if (!message.IsClose)
        {
            return message;
        }
        _in.Release();
        bool closeTcp;
        bool waitForFin;
        bool failed;
        lock (Core)
        {
            closeTcp = Core.ShouldCloseTransport;
            waitForFin = !closeTcp && Role == WebSocketRole.Client && Core.State == ConnectionState.Closed;
            failed = closeTcp && Core.Error is not null;
        }
        if (waitForFin)
        {
            // RFC 6455 §7.1.1: the client waits for the server to close TCP first, up to the close timeout.
            await Transport.WaitForPeerCloseAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        End(failed ? ConnectionEnding.Failed : ConnectionEnding.Closed, message.CloseStatus, message.CloseReason);
        return EndedMessage();
    }

    private WebSocketMessage EndedMessage() =>
        new(WebSocketMessageKind.Close, default, true, CloseStatus ?? CloseCode.AbnormalClosure, CloseReason ?? "", Core.Error);
}
