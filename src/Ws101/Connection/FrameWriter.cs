using System.Buffers;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Transport;
using Kind = Ws101.SendCommand.Kind;

namespace Ws101;

/// <summary>
/// The sending half of a <see cref="WebSocketConnection"/>: a sender takes the turn and frames its command through the core
/// into the outgoing buffer under the connection's lock (the automatic replies first, so that a pong is never held back
/// behind a large message), writes the bytes with the lock released, and passes the turn on. So frames never interleave,
/// the wire carries them in the order they were framed, and nothing follows a close frame (the core refuses any frame once
/// the close is framed).
/// </summary>
/// <remarks>
/// It is the outgoing buffer itself (a <see cref="PooledBufferWriter"/>, holding no array between turns), so that an idle
/// connection pays one object for the buffer, the turn and the writing. Not a lock of its own: it takes the connection's
/// one lock (the core object), and never while holding it. Whether and how the connection ended stays with the
/// connection, which this asks under that lock; a failed write and the end of the closing handshake end the connection
/// through it.
/// </remarks>
internal sealed class FrameWriter : PooledBufferWriter
{
    // From this payload size on, a frame's header and payload go to the kernel as two pieces of one vectored send, rather
    // than the payload being copied behind the header: below it, the copy costs less than the kernel's handling of a second piece.
    private const int VectoredSendMinimum = 2048;

    private readonly WebSocketConnection _connection;
    private readonly WebSocketConnectionCore _core;
    private readonly DuplexTransport _transport;
    private SendTurn _turn;
    private long _sendStarted;

    public FrameWriter(WebSocketConnection connection, WebSocketConnectionCore core, DuplexTransport transport)
    {
        _connection = connection;
        _core = core;
        _transport = transport;
    }

    /// <summary>The connection's protocol core, which is also its one lock; kept here only, so that the connection does not hold it twice.</summary>
    public WebSocketConnectionCore Core => _core;

    /// <summary>The connection's transport, kept here only, as <see cref="Core"/>.</summary>
    public DuplexTransport Transport => _transport;

    /// <summary>When the write now in progress started waiting for the peer to read (<see cref="Environment.TickCount64"/>), or 0: the keepalive's send deadline.</summary>
    public long SendStarted => _sendStarted;

    /// <summary>Under the lock, at dispose: gives the outgoing buffer back unless a sender holds the turn (it does so as it ends).</summary>
    public void ReleaseIfIdle()
    {
        if (!_turn.IsTaken)
        {
            Reset(release: true);
        }
    }

    /// <summary>
    /// Frames and writes <paramref name="command"/> in its turn. Without contention the turn is taken, the command framed
    /// and the bytes written in this call; otherwise it waits for the turn.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed, or ended while writing.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished (or another rule of the core refused the command).</exception>
    public ValueTask SendAsync(in SendCommand command, CancellationToken cancellationToken)
    {
        bool turn;
        bool write = false;
        bool payloadFollows = false;
        Exception? refused = null;
        lock (_core)
        {
            turn = _turn.TryTake();
            if (turn)
            {
                write = FrameOrPass(command, out refused, out payloadFollows);
            }
        }
        return !turn ? SendAfterTurnAsync(command, cancellationToken)
            : write ? Write(refused, payloadFollows ? command.Data : default, cancellationToken)
            : Done(refused);
    }

    /// <summary>Writes <paramref name="message"/>'s frame in one turn, holding a reference to it until written.</summary>
    /// <exception cref="ObjectDisposedException"><paramref name="message"/> was disposed.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished (or this is a client connection).</exception>
    public async ValueTask SendPreparedAsync(PreparedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(!message.TryAddReference(), message);
        try
        {
            if (!await SendPreparedAsync(message.Frame, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("A streamed message is unfinished; a whole message cannot be sent between its fragments (RFC 6455 §5.4).");
            }
        }
        finally
        {
            message.Release();
        }
    }

    /// <summary>
    /// Writes whole messages framed elsewhere (one frame, or frames end to end) in one turn, straight from
    /// <paramref name="frames"/>, after the automatic replies. False, writing nothing, while a streamed message is unfinished.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendPreparedAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int count;
            lock (_core)
            {
                if (_connection.HasEnded)
                {
                    throw _connection.ClosedError(null);
                }
                if (_core.IsSendingStreamedMessage)
                {
                    return false;
                }
                try
                {
                    count = _core.CheckPreparedFrames(frames.Span);
                }
                catch (InvalidOperationException ex) when (_core.State != ConnectionState.Open)
                {
                    throw _connection.ClosedError(ex);
                }
                _core.WritePendingOutput(this);
            }
            if (WrittenCount > 0)
            {
                await WriteOut(WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            await WriteOut(frames, cancellationToken).ConfigureAwait(false);
            Ws101Metrics.Messages.Add(count, Ws101Metrics.Transmit);
            return true;
        }
        finally
        {
            EndTurn();
        }
    }

    /// <summary>Sends the automatic replies the receive side produced (pongs, the close reply, a failure's close frame).</summary>
    public ValueTask FlushRepliesAsync(CancellationToken cancellationToken)
    {
        var pending = SendAsync(SendCommand.Pending, cancellationToken);
        return pending.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitQuietlyAsync(pending);

        static async ValueTask AwaitQuietlyAsync(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (WebSocketClosedException)
            {
                // The reply could not go out (the peer reset the connection right after its Close, say); the send has
                // already marked the connection ended. RFC 6455 §7.1.5: "_The WebSocket Connection Close Code_ is
                // defined as the status code contained in the first Close control frame received by the
                // application", so the receive reports that close rather than throwing.
            }
        }
    }

    /// <summary>The keepalive's ping: nobody waits for it, and a connection that ends meanwhile is no error.</summary>
    public async Task SendKeepAlivePingAsync()
    {
        try
        {
            await SendAsync(new SendCommand(Kind.Ping, null, default), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketClosedException or InvalidOperationException || DuplexTransport.IsFailure(ex))
        {
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAfterTurnAsync(SendCommand command, CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        bool write;
        bool payloadFollows;
        Exception? refused;
        lock (_core)
        {
            write = FrameOrPass(command, out refused, out payloadFollows);
        }
        if (write)
        {
            await Write(refused, payloadFollows ? command.Data : default, cancellationToken).ConfigureAwait(false);
        }
        else if (refused is not null)
        {
            throw refused;
        }
    }

    private static ValueTask Done(Exception? refused) => refused is null ? ValueTask.CompletedTask : ValueTask.FromException(refused);

    /// <summary>
    /// Holding the turn, sends what <see cref="FrameOrPass"/> framed: the buffer, and behind it <paramref name="payload"/>
    /// when only its header was framed; then ends the turn and reports a refused command. That pair goes to the kernel in
    /// one vectored send; whatever the kernel does not take at once is copied behind the header before this returns, so the
    /// caller's payload is never read after its send returned.
    /// </summary>
    private ValueTask Write(Exception? refused, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> bytes = WrittenMemory;
        if (!payload.IsEmpty)
        {
            if (SendVectored(payload) is not { } rest)
            {
                EndTurn();
                return Done(refused);
            }
            bytes = rest;
        }
        var pending = WriteOut(bytes, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitWriteAsync(pending, refused);
        }
        EndTurn();
        return Done(refused);
    }

    /// <summary>
    /// Tries header and payload in one vectored send. Null when the kernel took all of it; otherwise the bytes still to
    /// send, the payload's rest copied into the send buffer behind the header.
    /// </summary>
    private ReadOnlyMemory<byte>? SendVectored(ReadOnlyMemory<byte> payload)
    {
        int head = WrittenCount;
        int sent;
        try
        {
            sent = _transport.TrySendNow(WrittenMemory.Span, payload.Span);
        }
        catch (Exception ex) when (DuplexTransport.IsFailure(ex))
        {
            // Sent the ordinary way instead, which reports the failure as every send does.
            sent = 0;
        }
        if (sent > 0)
        {
            Ws101Metrics.Io.Add(sent, Ws101Metrics.Transmit);
        }
        if (sent == head + payload.Length)
        {
            return null;
        }
        this.Write(payload.Span);
        return WrittenMemory[sent..];
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteAsync(ValueTask pending, Exception? refused)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            EndTurn();
        }
        await Done(refused).ConfigureAwait(false);
    }

    /// <summary>Waits for the turn to send; returns holding it.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask TakeTurnAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_core)
        {
            if (_turn.TryTake())
            {
                return;
            }
            waiter = _turn.Wait();
        }
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_core)
            {
                if (!_turn.Withdraw(waiter))
                {
                    // The turn was handed over just as the wait was cancelled: pass it on, then report the cancellation.
                    _turn.Pass();
                }
            }
            throw;
        }
    }

    /// <summary>
    /// Under the lock, holding the turn: frames the command, after the automatic replies. True when there are bytes to
    /// write; otherwise the turn is passed on. A command the core refuses (closing, or a streamed message unfinished) comes
    /// back in <paramref name="refused"/>, to be thrown once the replies framed before it (a pong, the answer to the peer's
    /// close) are written.
    /// </summary>
    private bool FrameOrPass(in SendCommand command, out Exception? refused, out bool payloadFollows)
    {
        refused = null;
        payloadFollows = false;
        if (_connection.HasEnded)
        {
            refused = command.What == Kind.Pending ? null : _connection.ClosedError(null);
        }
        else
        {
            _core.WritePendingOutput(this);
            try
            {
                // A large payload that goes out as it is gets only its header framed here; Write sends it from where it is.
                payloadFollows = command.WriteHeaderTo(_core, this, _transport.SendsVectored ? VectoredSendMinimum : int.MaxValue);
                if (command.IsData)
                {
                    Ws101Metrics.Messages.Add(1, Ws101Metrics.Transmit);
                }
            }
            catch (InvalidOperationException ex)
            {
                // The core checks before it writes: what the buffer holds now is only the automatic replies.
                refused = _core.State != ConnectionState.Open ? _connection.ClosedError(ex) : ex;
            }
            catch
            {
                Reset(release: false);
                _turn.Pass();
                throw;
            }
        }
        if (WrittenCount > 0)
        {
            return true;
        }
        _turn.Pass();
        return false;
    }

    /// <summary>Holding the turn: writes <paramref name="bytes"/>. A failed or cancelled write may have cut a frame, so it ends the connection.</summary>
    private ValueTask WriteOut(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        Ws101Metrics.Io.Add(bytes.Length, Ws101Metrics.Transmit);
        try
        {
            var pending = _transport.SendAsync(bytes, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                return pending;
            }
            // The send deadline runs from here, where the send starts to wait for the peer to read: a send the kernel
            // took at once never needed it, and reads no clock.
            _sendStarted = Environment.TickCount64;
            return Watch(pending);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(DuplexTransport.IsFailure(ex) ? _connection.WriteFailed(ex) : ex);
        }

        async ValueTask Watch(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception ex) when (DuplexTransport.IsFailure(ex))
            {
                throw _connection.WriteFailed(ex);
            }
        }
    }

    /// <summary>Ends the turn of the sender that wrote (or failed to): ends the connection when the core says TCP closes now, and passes the turn on.</summary>
    private void EndTurn()
    {
        _sendStarted = 0;
        // Back to the pool once written: kept, the 4 KiB array stayed with every connection that had ever sent a frame (a
        // keepalive ping is enough), 4 KiB per idle connection. Renting it again for the next send costs no allocation.
        Reset(release: true);
        ConnectionEnding? end;
        lock (_core)
        {
            end = _connection.EndAfterTurn();
            _turn.Pass();
        }
        if (end is { } how)
        {
            _connection.FinishEnd(how);
        }
    }
}
