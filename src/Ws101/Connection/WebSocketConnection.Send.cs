using System.Buffers;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Transport;
using Kind = Ws101.SendCommand.Kind;

namespace Ws101;

// Sending: a sender takes the turn and frames its command under the lock, writes the bytes with the lock released, and
// passes the turn on. So frames never interleave, the wire carries them in the order they were framed, and nothing
// follows a close frame (the core refuses any frame once the close is framed).
public sealed partial class WebSocketConnection
{
    private PingRoundTrip _ping;

    // From this payload size on, a frame's header and payload go to the kernel as two pieces of one vectored send, rather
    // than the payload being copied behind the header: below it, the copy costs less than the kernel's handling of a second piece.
    private const int VectoredSendMinimum = 2048;

    /// <summary>Sends a whole text message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished.</exception>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) =>
        SendTextAsync(text, MessageCompression.Auto, cancellationToken);

    /// <summary>Sends a whole text message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <inheritdoc cref="SendTextAsync(string, CancellationToken)"/>
    public ValueTask SendTextAsync(string text, MessageCompression compression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendCoreAsync(new SendCommand(Kind.Text, text, default, WebSocketMessageKind.Text, true, compression), cancellationToken);
    }

    /// <summary>Sends a whole binary message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished.</exception>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendBinaryAsync(data, MessageCompression.Auto, cancellationToken);

    /// <summary>Sends a whole binary message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <inheritdoc cref="SendBinaryAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, MessageCompression compression, CancellationToken cancellationToken = default) =>
        SendCoreAsync(new SendCommand(Kind.Message, null, data, WebSocketMessageKind.Binary, true, compression), cancellationToken);

    /// <summary>
    /// Sends a message or, with <paramref name="endOfMessage"/> false, the next part of a streamed one: the first
    /// part fixes the type; the part with <paramref name="endOfMessage"/> true ends the message. A text message's
    /// bytes must be UTF-8 (a code point may be split across parts).
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageKind kind, bool endOfMessage = true, CancellationToken cancellationToken = default) =>
        SendAsync(data, kind, endOfMessage, MessageCompression.Auto, cancellationToken);

    /// <summary>
    /// Sends a message or the next part of a streamed one (as <see cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageKind, bool, CancellationToken)"/>),
    /// choosing whether it is compressed; for a streamed message the first part decides for the whole message.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageKind kind, bool endOfMessage, MessageCompression compression,
        CancellationToken cancellationToken = default)
    {
        if (kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Data messages are text or binary; use PingAsync and CloseAsync for the others.");
        }
        return SendCoreAsync(new SendCommand(Kind.Part, null, data, kind, endOfMessage, compression), cancellationToken);
    }

    /// <summary>
    /// Sends a ping and waits for its pong; returns the round-trip time. The pong is read by the receive loop,
    /// so a <see cref="ReceiveAsync"/> must be running (or run) for this to complete.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is longer than 125 bytes (RFC 6455 §5.5).</exception>
    /// <exception cref="WebSocketClosedException">The connection closed before the pong came.</exception>
    public async Task<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        if (payload.Length > FrameHeader.MaxControlPayload)
        {
            throw new ArgumentException($"A ping carries at most {FrameHeader.MaxControlPayload} bytes (RFC 6455 §5.5).", nameof(payload));
        }
        var pong = _ping.Start();
        await SendCoreAsync(new SendCommand(Kind.Ping, null, payload), cancellationToken).ConfigureAwait(false);
        return await pong.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message framed once for many connections. Waits for the send like <see cref="SendBinaryAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">This is a client connection (clients mask every frame), or a streamed message is unfinished.</exception>
    public async ValueTask SendPreparedAsync(PreparedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(!message.TryAddReference(), message);
        try
        {
            if (!await SendPreparedFramesAsync(message.Frame, cancellationToken).ConfigureAwait(false))
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
    /// <paramref name="frames"/>: how topics, above this layer, hand their queue to the connection. False, writing
    /// nothing, while a streamed message is unfinished (a whole message may not cut in between its fragments).
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">This is a client connection.</exception>
    /// <exception cref="ArgumentException"><paramref name="frames"/> are not whole unmasked data frames.</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<bool> SendPreparedFramesAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int count;
            lock (_core)
            {
                if (_ended)
                {
                    throw ClosedError(null);
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
                    throw ClosedError(ex);
                }
                _core.WritePendingOutput(_out);
            }
            if (_out.WrittenCount > 0)
            {
                await WriteOut(_out.WrittenMemory, cancellationToken).ConfigureAwait(false);
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

    private ValueTask SendCoreAsync(in SendCommand command, CancellationToken cancellationToken)
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
    /// Sends what <see cref="FrameOrPass"/> framed: the buffer, and behind it <paramref name="payload"/> when only its
    /// header was framed. That pair goes to the kernel in one vectored send; whatever the kernel does not take at once is
    /// copied behind the header before this returns, so the caller's payload is never read after its send returned.
    /// </summary>
    private ValueTask Write(Exception? refused, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> bytes = _out.WrittenMemory;
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
        int head = _out.WrittenCount;
        int sent;
        try
        {
            sent = _transport.TrySendNow(_out.WrittenMemory.Span, payload.Span);
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
        _out.Write(payload.Span);
        return _out.WrittenMemory[sent..];
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
    /// Under the lock, holding the turn: frames the command, after the automatic replies (so that a pong is never held
    /// back behind a large message). True when there are bytes to write; otherwise the turn is passed on. A command the
    /// core refuses (closing, or a streamed message unfinished) comes back in <paramref name="refused"/>, to be thrown
    /// once the replies framed before it (a pong, the answer to the peer's close) are written.
    /// </summary>
    private bool FrameOrPass(in SendCommand command, out Exception? refused, out bool payloadFollows)
    {
        refused = null;
        payloadFollows = false;
        if (_ended)
        {
            refused = command.What == Kind.Pending ? null : ClosedError(null);
        }
        else
        {
            _core.WritePendingOutput(_out);
            try
            {
                // A large payload that goes out as it is gets only its header framed here; Write sends it from where it is.
                payloadFollows = command.WriteHeaderTo(_core, _out, _transport.SendsVectored ? VectoredSendMinimum : int.MaxValue);
                if (command.IsData)
                {
                    Ws101Metrics.Messages.Add(1, Ws101Metrics.Transmit);
                }
            }
            catch (InvalidOperationException ex)
            {
                // The core checks before it writes: what the buffer holds now is only the automatic replies.
                refused = _core.State != ConnectionState.Open ? ClosedError(ex) : ex;
            }
            catch
            {
                _out.Reset(release: false);
                _turn.Pass();
                throw;
            }
        }
        if (_out.WrittenCount > 0)
        {
            return true;
        }
        _turn.Pass();
        return false;
    }

    private WebSocketClosedException ClosedError(Exception? inner) => _core.Error is { } error
        ? new WebSocketClosedException($"The connection failed: {error}; nothing more can be sent.", error, inner)
        : _ended
        ? new WebSocketClosedException($"The connection is closed ({(int?)CloseStatus} {CloseReason}); nothing more can be sent.", CloseStatus, inner)
        : new WebSocketClosedException($"The connection is {_core.State}; no data can be sent after a close (RFC 6455 §5.5.1).", CloseStatus, inner);

    /// <summary>Holding the turn: writes <paramref name="bytes"/>. A failed or cancelled write may have cut a frame, so it ends the connection.</summary>
    private ValueTask WriteOut(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _sendStarted = Environment.TickCount64;
        Ws101Metrics.Io.Add(bytes.Length, Ws101Metrics.Transmit);
        try
        {
            var pending = _transport.SendAsync(bytes, cancellationToken);
            return pending.IsCompletedSuccessfully ? pending : Watch(pending);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(DuplexTransport.IsFailure(ex) ? Failed(ex) : ex);
        }

        async ValueTask Watch(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception ex) when (DuplexTransport.IsFailure(ex))
            {
                throw Failed(ex);
            }
        }
    }

    private WebSocketClosedException Failed(Exception ex)
    {
        End(Ending.TransportEnded, CloseCode.AbnormalClosure, "The connection failed while sending.");
        return new WebSocketClosedException($"The connection ended while sending: {ex.Message}", CloseStatus, ex);
    }

    /// <summary>Ends the turn of the sender that wrote (or failed to): closes TCP when the core says so, and passes the turn on.</summary>
    private void EndTurn()
    {
        _sendStarted = 0;
        // Back to the pool once written: kept, the 4 KiB array stayed with every connection that had ever sent a frame (a
        // keepalive ping is enough), 4 KiB per idle connection. Renting it again for the next send costs no allocation.
        _out.Reset(release: true);
        bool closeTcp;
        bool failed;
        lock (_core)
        {
            // The server closes TCP first once both close frames are exchanged (§7.1.1), or after failing the connection.
            closeTcp = !_ended && _core.ShouldCloseTransport && MarkEnded(null, null);
            failed = closeTcp && _core.Error is not null;
            _turn.Pass();
        }
        if (closeTcp)
        {
            FinishEnd(failed ? Ending.Failed : Ending.Closed);
        }
    }

    /// <summary>Sends the automatic replies the receive side produced (pongs, the close reply, a failure's close frame).</summary>
    private ValueTask FlushPendingAsync(CancellationToken cancellationToken)
    {
        var pending = SendCoreAsync(SendCommand.Pending, cancellationToken);
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
}
