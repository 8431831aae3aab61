using System.Text;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101;

public sealed partial class WebSocketConnection
{
    private TaskCompletionSource<TimeSpan>? _pong;
    private long _pingStartedForRtt;

    /// <summary>Sends a whole text message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendCoreAsync(SendKind.Text, text, default, MessageType.Text, true, cancellationToken: cancellationToken);
    }

    /// <summary>Sends a whole binary message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendCoreAsync(SendKind.Data, null, data, MessageType.Binary, true, cancellationToken: cancellationToken);

    /// <summary>
    /// Sends a message or, with <paramref name="endOfMessage"/> false, the next part of a streamed one: the first
    /// part fixes the type; the part with <paramref name="endOfMessage"/> true ends the message. A text message's
    /// bytes must be UTF-8 (a code point may be split across parts).
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageKind kind, bool endOfMessage = true, CancellationToken cancellationToken = default)
    {
        if (kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Data messages are text or binary; use PingAsync and CloseAsync for the others.");
        }
        return SendCoreAsync(SendKind.Data, null, data, kind == WebSocketMessageKind.Text ? MessageType.Text : MessageType.Binary, endOfMessage, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Sends a ping and waits for its pong; returns the round-trip time. The pong is read by the receive loop,
    /// so a <see cref="ReceiveAsync"/> must be running (or run) for this to complete.
    /// </summary>
    public async Task<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        var pong = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _pong, pong)?.TrySetCanceled(CancellationToken.None);
        Interlocked.Exchange(ref _pingStartedForRtt, System.Diagnostics.Stopwatch.GetTimestamp());
        await SendCoreAsync(SendKind.Ping, null, payload, default, true, cancellationToken: cancellationToken).ConfigureAwait(false);
        using (cancellationToken.Register(() => pong.TrySetCanceled(cancellationToken)))
        {
            return await pong.Task.ConfigureAwait(false);
        }
    }

    private void OnPong()
    {
        _pingSent = 0;
        if (Interlocked.Exchange(ref _pong, null) is { } pong)
        {
            pong.TrySetResult(System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _pingStartedForRtt)));
        }
    }

    /// <summary>
    /// Starts the closing handshake with <paramref name="code"/> and <paramref name="reason"/> (at most 123 bytes
    /// of UTF-8), then waits, up to <see cref="WebSocketConnectionOptions.CloseTimeout"/>, for the peer's close.
    /// Data messages that arrive meanwhile are discarded unless a receive loop is running, which sees them.
    /// When a closing handshake is already under way, waits (up to the close timeout) for it to finish; when the
    /// connection is closed, returns at once.
    /// </summary>
    public async Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (!CloseCodeRules.IsValidOnTheWire(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, $"Close code {(int)code} may not be sent: use 1000-1003, 1007-1011 or 3000-4999 (RFC 6455 §7.4).");
        }
        if (Encoding.UTF8.GetByteCount(reason) > CloseCodeRules.MaxReasonBytes)
        {
            throw new ArgumentException($"A close reason is at most {CloseCodeRules.MaxReasonBytes} bytes of UTF-8 (RFC 6455 §5.5).", nameof(reason));
        }
        TaskCompletionSource? inProgress = null;
        lock (_core)
        {
            if (_ended)
            {
                return;
            }
            if (_core.State != ConnectionState.Open)
            {
                inProgress = _closed;
            }
            else
            {
                _closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        if (inProgress is not null || State != ConnectionState.Open)
        {
            // A closing handshake is already under way (ours from elsewhere, or the peer's): wait for it to finish.
            if (inProgress is not null)
            {
                try
                {
                    await inProgress.Task.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
            return;
        }
        _closeStarted = Environment.TickCount64;
        try
        {
            await SendCoreAsync(SendKind.Close, reason, default, default, true, code, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketClosedException)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _receiving, 0, 0) == 0)
        {
            // No receive loop: read (and discard) until the peer's close arrives, or time runs out.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.CloseTimeout);
            try
            {
                while (!(await ReceiveAsync(timeout.Token).ConfigureAwait(false)).IsClose)
                {
                }
            }
            catch (OperationCanceledException)
            {
                Abort(CloseCode.AbnormalClosure, "The peer did not answer the close within the close timeout.");
            }
            catch (InvalidOperationException)
            {
                // A receive loop started meanwhile: it will see the close.
                await WaitClosedAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await WaitClosedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a close frame without waiting for the peer's (what <see cref="System.Net.WebSockets.WebSocket.CloseOutputAsync"/>
    /// does); the receive loop then sees the peer's close. Does nothing when a close was already sent.
    /// </summary>
    internal async ValueTask SendCloseAsync(CloseCode code, string reason, CancellationToken cancellationToken)
    {
        if (!CloseCodeRules.IsValidOnTheWire(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, $"Close code {(int)code} may not be sent: use 1000-1003, 1007-1011 or 3000-4999 (RFC 6455 §7.4).");
        }
        lock (_core)
        {
            if (_ended || _core.State is not (ConnectionState.Open or ConnectionState.CloseReceived))
            {
                return;
            }
            _closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _closeStarted = Environment.TickCount64;
        await SendCoreAsync(SendKind.Close, reason, default, default, true, code, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitClosedAsync(CancellationToken cancellationToken)
    {
        var closed = _closed!.Task;
        if (await Task.WhenAny(closed, Task.Delay(_options.CloseTimeout, cancellationToken)).ConfigureAwait(false) != closed)
        {
            Abort(CloseCode.AbnormalClosure, "The peer did not answer the close within the close timeout.");
        }
    }

    private enum SendKind : byte
    {
        Data,
        Text,
        Ping,
        Close,
        Pending,
    }

    private ValueTask SendCoreAsync(SendKind kind, string? text, ReadOnlyMemory<byte> data, MessageType type, bool endOfMessage,
        CloseCode closeCode = CloseCode.NormalClosure, MessageCompression compression = MessageCompression.Auto, CancellationToken cancellationToken = default)
    {
        if (!TryEnterSend())
        {
            return SendContendedAsync(kind, text, data, type, endOfMessage, closeCode, compression, cancellationToken);
        }
        bool release = true;
        try
        {
            if (!Frame(kind, text, data.Span, type, endOfMessage, closeCode, compression))
            {
                return ValueTask.CompletedTask;
            }
            var pending = WriteOut(cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                AfterWrite();
                return ValueTask.CompletedTask;
            }
            release = false;
            return AwaitWriteAsync(pending);
        }
        finally
        {
            if (release)
            {
                ExitSend();
            }
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendContendedAsync(SendKind kind, string? text, ReadOnlyMemory<byte> data, MessageType type, bool endOfMessage,
        CloseCode closeCode, MessageCompression compression, CancellationToken cancellationToken)
    {
        await EnterSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Frame(kind, text, data.Span, type, endOfMessage, closeCode, compression))
            {
                await WriteOut(cancellationToken).ConfigureAwait(false);
                AfterWrite();
            }
        }
        finally
        {
            ExitSend();
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
            AfterWrite();
        }
        finally
        {
            ExitSend();
        }
    }

    /// <summary>Writes the frame(s) into the outgoing buffer under the core's lock. False when there is nothing to send.</summary>
    private bool Frame(SendKind kind, string? text, ReadOnlySpan<byte> data, MessageType type, bool endOfMessage, CloseCode closeCode,
        MessageCompression compression = MessageCompression.Auto)
    {
        lock (_core)
        {
            if (_ended)
            {
                if (kind == SendKind.Pending)
                {
                    return false;
                }
                throw new WebSocketClosedException($"The connection is closed ({(int?)CloseStatus} {CloseReason}); nothing more can be sent.", CloseStatus);
            }
            // Automatic replies go first, so that a pong is never held back behind a large message.
            _core.WritePendingOutput(_out);
            try
            {
                switch (kind)
                {
                    case SendKind.Text:
                        if (!TryWriteDeflatedText(text!, compression))
                        {
                            _core.WriteText(_out, text);
                        }
                        Diagnostics.Ws101Metrics.MessagesSent.Add(1);
                        break;
                    case SendKind.Data:
                        if (!TryWriteDeflated(data, type, endOfMessage, compression))
                        {
                            _core.WriteFragment(_out, type, data, endOfMessage);
                        }
                        Diagnostics.Ws101Metrics.MessagesSent.Add(1);
                        break;
                    case SendKind.Ping:
                        _core.WritePing(_out, data);
                        break;
                    case SendKind.Close:
                        if (!_core.WriteClose(_out, closeCode, text))
                        {
                            return _out.WrittenCount > 0;
                        }
                        break;
                }
            }
            catch (InvalidOperationException ex) when (_core.State != ConnectionState.Open)
            {
                _out.Reset(release: false);
                throw new WebSocketClosedException($"The connection is {_core.State}; no data can be sent after a close (RFC 6455 §5.5.1).", CloseStatus, ex);
            }
            return _out.WrittenCount > 0;
        }
    }

    private ValueTask WriteOut(CancellationToken cancellationToken)
    {
        _sendStarted = Environment.TickCount64;
        Diagnostics.Ws101Metrics.BytesSent.Add(_out.WrittenCount);
        try
        {
            var pending = _transport.SendAsync(_out.WrittenMemory, cancellationToken);
            return pending.IsCompletedSuccessfully ? pending : Watch(pending);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            return ValueTask.FromException(Failed(ex));
        }

        async ValueTask Watch(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportFailure(ex))
            {
                throw Failed(ex);
            }
        }
    }

    private WebSocketClosedException Failed(Exception ex)
    {
        _out.Reset(release: true);
        MarkTransportEnded(CloseCode.AbnormalClosure, "The connection failed while sending.");
        return new WebSocketClosedException($"The connection ended while sending: {ex.Message}", CloseStatus, ex);
    }

    private void AfterWrite()
    {
        _sendStarted = 0;
        // Back to the pool once written: kept, the 4 KiB array stayed with every connection that had ever sent a frame
        // (a pong is enough), 76 MB for 19,000 idle connections. Renting it again for the next send costs no allocation.
        _out.Reset(release: true);
        bool closeTcp;
        lock (_core)
        {
            closeTcp = !_ended && _core.ShouldCloseTransport;
        }
        if (closeTcp)
        {
            // The server closes TCP first once both close frames are exchanged (§7.1.1), or after failing the connection.
            EndTransport(null, null);
        }
    }

    /// <summary>Sends the automatic replies the receive side produced (pongs, the close reply, a failure's close frame).</summary>
    private ValueTask FlushPendingAsync(CancellationToken cancellationToken)
    {
        ValueTask pending;
        try
        {
            pending = SendCoreAsync(SendKind.Pending, null, default, default, true, cancellationToken: cancellationToken);
        }
        catch (WebSocketClosedException)
        {
            return ValueTask.CompletedTask;
        }
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

    /// <summary>Called about once a second by the owner's heartbeat: keepalive pings and the send and close deadlines.</summary>
    internal void OnHeartbeat(long now)
    {
        if (_ended)
        {
            return;
        }
        long sendStarted = _sendStarted;
        if (sendStarted != 0 && now - sendStarted > (long)_options.SendTimeout.TotalMilliseconds)
        {
            Abort(CloseCode.AbnormalClosure, $"A send waited more than {_options.SendTimeout.TotalSeconds:0} s for the peer to read; the peer was dropped.");
            return;
        }
        long closeStarted = _closeStarted;
        if (closeStarted != 0 && now - closeStarted > (long)_options.CloseTimeout.TotalMilliseconds + 1000)
        {
            Abort(CloseCode.AbnormalClosure, "The closing handshake did not finish within the close timeout.");
            return;
        }
        if (_options.KeepAliveInterval <= TimeSpan.Zero)
        {
            return;
        }
        long pingSent = _pingSent;
        if (pingSent != 0)
        {
            if (now - pingSent > (long)_options.KeepAliveTimeout.TotalMilliseconds)
            {
                Abort(CloseCode.AbnormalClosure, $"The peer sent nothing for {_options.KeepAliveTimeout.TotalSeconds:0} s after a keepalive ping.");
            }
            return;
        }
        if (now - _lastReceived >= (long)_options.KeepAliveInterval.TotalMilliseconds && State == ConnectionState.Open)
        {
            _pingSent = now;
            _ = SendKeepAlivePingAsync();
        }
    }

    private async Task SendKeepAlivePingAsync()
    {
        try
        {
            await SendCoreAsync(SendKind.Ping, null, default, default, true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketClosedException or InvalidOperationException || IsTransportFailure(ex))
        {
        }
    }
}
