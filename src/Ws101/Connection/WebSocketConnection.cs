using System.Buffers;
using System.Net;
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
    private readonly DuplexTransport _transport;
    private readonly WebSocketConnectionCore _core;
    private readonly WebSocketConnectionOptions _options;
    private readonly PooledBufferWriter _out = new();
    private readonly bool _isClient;

    private byte[]? _receiveBuffer;
    private int _receiveStart;
    private int _receiveEnd;
    private int _receiving;
    private bool _ended;
    private CloseCode? _endStatus;
    private string? _endReason;
    private TaskCompletionSource? _closed;
    private int _disposed;

    // Timestamps (Environment.TickCount64) read by the heartbeat; 0 means "not now".
    private long _lastReceived;
    private long _pingSent;
    private long _sendStarted;
    private long _closeStarted;

    internal WebSocketConnection(DuplexTransport transport, WebSocketRole role, WebSocketConnectionOptions options,
        WebSocketHandshakeInfo handshake, ReadOnlySpan<byte> initialData, Compression.PerMessageDeflateAgreement? deflate = null)
    {
        _transport = transport;
        _options = options;
        _isClient = role == WebSocketRole.Client;
        // RFC 7692 §6: permessage-deflate "allocates the RSV1 bit of the WebSocket header"; it marks a compressed message.
        _core = new WebSocketConnectionCore(role, options.Protocol, deflate, options.Compression);
        Handshake = handshake;
        _lastReceived = Environment.TickCount64;
        if (!initialData.IsEmpty)
        {
            _receiveBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(options.ReceiveBufferSize, initialData.Length));
            initialData.CopyTo(_receiveBuffer);
            _receiveEnd = initialData.Length;
        }
    }

    /// <summary>
    /// The server's side of a connection whose upgrade another HTTP server performed (an ASP.NET Core request upgraded
    /// through <c>IHttpUpgradeFeature</c>, for one): after the 101 has been sent, Ws101 speaks the protocol over
    /// <paramref name="upgradedStream"/> with the same limits, keepalive and message API as its own server.
    /// </summary>
    /// <param name="upgradedStream">The duplex stream after the 101.</param>
    /// <param name="request">The validated request (from <see cref="ServerHandshake.Validate"/>).</param>
    /// <param name="subprotocol">The subprotocol the 101 agreed to, or null.</param>
    /// <param name="options">The connection's limits and timers; null for the defaults.</param>
    /// <param name="remote">The peer's address, if known.</param>
    /// <param name="local">This side's address, if known.</param>
    public static WebSocketConnection FromUpgradedStream(Stream upgradedStream, UpgradeRequest request, string? subprotocol = null,
        WebSocketConnectionOptions? options = null, EndPoint? remote = null, EndPoint? local = null)
    {
        ArgumentNullException.ThrowIfNull(upgradedStream);
        ArgumentNullException.ThrowIfNull(request);
        options ??= WebSocketConnectionOptions.Default;
        options.Validate();
        var transport = new StreamTransport(upgradedStream, null, remote, local);
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, options, new WebSocketHandshakeInfo(request, subprotocol, []), default);
        ConnectionHeartbeat.Shared.Register(connection);
        connection.Ended += static c => ConnectionHeartbeat.Shared.Unregister(c);
        return connection;
    }

    /// <summary>Server or client.</summary>
    public WebSocketRole Role => _core.Role;

    /// <summary>What the opening handshake established: request, subprotocol, extensions.</summary>
    public WebSocketHandshakeInfo Handshake { get; }

    /// <summary>The subprotocol agreed in the handshake, or null.</summary>
    public string? Subprotocol => Handshake.Subprotocol;

    /// <summary>The peer's address.</summary>
    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    /// <summary>This side's address.</summary>
    public EndPoint? LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Where the closing handshake stands.</summary>
    public ConnectionState State
    {
        get
        {
            lock (_core)
            {
                return _ended ? ConnectionState.Closed : _core.State;
            }
        }
    }

    /// <summary>How the connection ended, once it has: the peer's close code, 1005 without one, 1006 when it just dropped.</summary>
    public CloseCode? CloseStatus => _endStatus ?? _core.CloseStatus;

    /// <summary>The reason that goes with <see cref="CloseStatus"/>.</summary>
    public string? CloseReason => _endReason ?? _core.CloseReason;

    /// <summary>The options of this connection.</summary>
    public WebSocketConnectionOptions Options => _options;

    /// <summary>
    /// Receives the next message (whole, or the next part when the options stream), a surfaced ping, or the close.
    /// Pongs and automatic replies are handled inside. After a <see cref="WebSocketMessageKind.Close"/> every call
    /// returns the same close again.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another receive is in progress.</exception>
    public ValueTask<WebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _receiving, 1) == 1)
        {
            throw new InvalidOperationException("Another ReceiveAsync is in progress on this connection; receive from one loop at a time.");
        }
        bool handedOff = false;
        try
        {
            bool got = TryReceiveBuffered(out var message, out bool flush);
            if (got && !flush && !message.IsClose)
            {
                return new ValueTask<WebSocketMessage>(message);
            }
            handedOff = true;
            return ReceiveSlowAsync(got ? message : null, flush, cancellationToken);
        }
        finally
        {
            if (!handedOff)
            {
                Volatile.Write(ref _receiving, 0);
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
    private async ValueTask<WebSocketMessage> ReceiveSlowAsync(WebSocketMessage? ready, bool flush, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (flush)
                {
                    await FlushPendingAsync(cancellationToken).ConfigureAwait(false);
                }
                if (ready is { } message)
                {
                    return await AfterEventAsync(message).ConfigureAwait(false);
                }
                int n;
                try
                {
                    if (_receiveBuffer is null || _receiveStart == _receiveEnd)
                    {
                        // Nothing half-parsed: give the buffer back while waiting, so that an idle connection holds none.
                        ReleaseReceiveBuffer();
                        await _transport.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
                        _receiveBuffer = ArrayPool<byte>.Shared.Rent(_options.ReceiveBufferSize);
                    }
                    else
                    {
                        MakeRoom();
                    }
                    n = await _transport.ReceiveAsync(_receiveBuffer.AsMemory(_receiveEnd), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex) when (IsTransportFailure(ex))
                {
                    n = 0;
                }
                if (n == 0)
                {
                    MarkTransportEnded(null, null);
                    return EndedMessage();
                }
                _receiveEnd += n;
                _lastReceived = Environment.TickCount64;
                _pingSent = 0;
                Diagnostics.Ws101Metrics.BytesReceived.Add(n);
                ready = TryReceiveBuffered(out message, out flush) ? message : null;
            }
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>Moves the unparsed tail (at most a frame header or a control frame) to the front, and grows a full buffer.</summary>
    private void MakeRoom()
    {
        var buffer = _receiveBuffer!;
        if (_receiveStart > 0)
        {
            Buffer.BlockCopy(buffer, _receiveStart, buffer, 0, _receiveEnd - _receiveStart);
            _receiveEnd -= _receiveStart;
            _receiveStart = 0;
        }
        if (_receiveEnd == buffer.Length)
        {
            _receiveBuffer = PooledArrays.Grow(buffer, _receiveEnd, buffer.Length * 2);
        }
    }

    /// <summary>
    /// Parses what is buffered. True with a message to return; <paramref name="flush"/> says automatic replies wait
    /// to be sent (a pong, the close reply, a failure's close frame).
    /// </summary>
    private bool TryReceiveBuffered(out WebSocketMessage message, out bool flush)
    {
        message = default;
        flush = false;
        if (_ended)
        {
            message = EndedMessage();
            return true;
        }
        if (_receiveBuffer is null || _receiveEnd == _receiveStart)
        {
            // Nothing buffered; a close may still be waiting to be reported (after a failure there is no more input).
            lock (_core)
            {
                flush = _core.HasPendingOutput;
            }
            return false;
        }
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_receiveBuffer, _receiveStart, _receiveEnd - _receiveStart);
            ProtocolEvent ev;
            bool got;
            lock (_core)
            {
                got = _core.TryReceive(ref sequence, out ev);
                flush = _core.HasPendingOutput;
            }
            _receiveStart = _receiveEnd - (int)sequence.Length;
            if (!got)
            {
                return false;
            }
            switch (ev.Kind)
            {
                case ProtocolEventKind.Message:
                case ProtocolEventKind.Fragment:
                    message = new WebSocketMessage(ev.MessageType == MessageType.Text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary,
                        AsMemory(ev.Payload), ev.EndOfMessage);
                    Diagnostics.Ws101Metrics.MessagesReceived.Add(1);
                    return true;
                case ProtocolEventKind.Ping:
                    message = new WebSocketMessage(WebSocketMessageKind.Ping, AsMemory(ev.Payload), true);
                    return true;
                case ProtocolEventKind.Pong:
                    OnPong();
                    if (flush)
                    {
                        return false;
                    }
                    continue;
                case ProtocolEventKind.Close:
                case ProtocolEventKind.Error:
                    message = new WebSocketMessage(WebSocketMessageKind.Close, default, true, ev.CloseStatus, ev.CloseReason);
                    return true;
                default:
                    continue;
            }
        }
    }

    private static ReadOnlyMemory<byte> AsMemory(in ReadOnlySequence<byte> payload) =>
        payload.IsSingleSegment ? payload.First : payload.ToArray();

    /// <summary>After a close or an error event: finish the closing handshake and release the transport.</summary>
    private async ValueTask<WebSocketMessage> AfterEventAsync(WebSocketMessage message)
    {
        if (!message.IsClose)
        {
            return message;
        }
        bool closeTcp;
        lock (_core)
        {
            closeTcp = _core.ShouldCloseTransport;
        }
        if (!closeTcp && _isClient && _core.State == ConnectionState.Closed)
        {
            // RFC 6455 §7.1.1: the client waits for the server to close TCP first, up to the close timeout.
            await WaitForPeerFinAsync().ConfigureAwait(false);
        }
        EndTransport(message.CloseStatus, message.CloseReason);
        return EndedMessage();
    }

    private async ValueTask WaitForPeerFinAsync()
    {
        using var cts = new CancellationTokenSource(_options.CloseTimeout);
        var scratch = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            while (await _transport.ReceiveAsync(scratch, cts.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private void ReleaseReceiveBuffer()
    {
        _core.ReleaseIdleBuffers();
        if (_receiveBuffer is { } buffer)
        {
            _receiveBuffer = null;
            _receiveStart = _receiveEnd = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private WebSocketMessage EndedMessage() =>
        new(WebSocketMessageKind.Close, default, true, CloseStatus ?? CloseCode.AbnormalClosure, CloseReason ?? "");

    private void MarkTransportEnded(CloseCode? status, string? reason)
    {
        lock (_core)
        {
            if (_ended)
            {
                return;
            }
            _core.OnTransportEnded();
        }
        EndTransport(status, reason);
    }

    /// <summary>Closes the TCP connection once, and wakes anyone waiting for the close.</summary>
    private void EndTransport(CloseCode? status, string? reason)
    {
        lock (_core)
        {
            if (_ended)
            {
                return;
            }
            _ended = true;
            _endStatus ??= _core.CloseStatus ?? status ?? CloseCode.AbnormalClosure;
            _endReason ??= _core.CloseReason ?? reason ?? "";
        }
        _transport.ShutdownSend();
        _transport.DisposeAsync().AsTask().Wait();
        _closed?.TrySetResult();
        Ended?.Invoke(this);
    }

    internal event Action<WebSocketConnection>? Ended;

    private static bool IsTransportFailure(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException;

    /// <summary>Drops the connection at once, without a closing handshake; the peer sees the TCP connection reset.</summary>
    public void Abort() => Abort(CloseCode.AbnormalClosure, "The connection was aborted.");

    internal void Abort(CloseCode status, string reason)
    {
        lock (_core)
        {
            if (_ended)
            {
                return;
            }
            _core.OnTransportEnded();
            _ended = true;
            // A status decided before the end (1008 for a subscriber closed as too slow) wins over how it ended.
            _endStatus ??= status;
            _endReason ??= reason;
        }
        _transport.Abort();
        _closed?.TrySetResult();
        Ended?.Invoke(this);
    }

    private async Task ReadUntilCloseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        try
        {
            while (!(await ReceiveAsync(timeout.Token).ConfigureAwait(false)).IsClose)
            {
            }
        }
        catch (OperationCanceledException)
        {
            // No reply within the close timeout: the caller aborts.
        }
    }

    /// <summary>Closes the connection (if still open) and releases its buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!_ended)
        {
            try
            {
                var state = State;
                if (state == ConnectionState.CloseSent && Volatile.Read(ref _receiving) == 0)
                {
                    // Our Close went out (the server's 1001 on shutdown, say) and no loop is left to read the reply.
                    // RFC 6455 §5.5.1: "After both sending and receiving a Close message, an endpoint considers the
                    // WebSocket connection closed and MUST close the underlying TCP connection": read on to the
                    // peer's Close, up to the close timeout, instead of resetting the connection under its reply.
                    await ReadUntilCloseAsync().ConfigureAwait(false);
                }
                else if (state == ConnectionState.Open)
                {
                    await CloseAsync(CloseCode.GoingAway, "").ConfigureAwait(false);
                }
                else if (_closed is { } closing)
                {
                    // Another caller is running the closing handshake (and reading the reply): let it finish rather
                    // than reset the connection under the close frames still in flight.
                    await closing.Task.WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketClosedException or InvalidOperationException or TimeoutException || IsTransportFailure(ex))
            {
            }
            Abort();
        }
        await _transport.DisposeAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _receiving) == 0)
        {
            ReleaseReceiveBuffer();
        }
        lock (_core)
        {
            _core.Dispose();
        }
    }
}
