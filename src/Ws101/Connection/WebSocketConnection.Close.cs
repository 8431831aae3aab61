using Ws101.Protocol;
using Ws101.Transport;
using Kind = Ws101.SendCommand.Kind;

namespace Ws101;

// Closing and ending: the closing handshake, Abort, DisposeAsync and the keepalive's deadlines all end the connection
// through End, once (ConnectionEnd records it under the lock and carries it out on the transport).
public sealed partial class WebSocketConnection
{
    private const string NoCloseReply = "The peer did not answer the close within the close timeout.";

    /// <summary>
    /// Starts the closing handshake with <paramref name="code"/> and <paramref name="reason"/> (at most 123 bytes
    /// of UTF-8), then waits, up to <see cref="WebSocketConnectionOptions.CloseTimeout"/>, for the peer's close.
    /// Data messages that arrive meanwhile are discarded unless a receive is running, which sees them (a receive started
    /// meanwhile returns the close once the connection ends). When a closing handshake is already under way, waits (up to
    /// the close timeout) for it to finish; when the connection is closed, returns at once.
    /// </summary>
    public async Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        CloseCodeRules.EnsureSendable(code, reason);
        Task? inProgress;
        lock (Core)
        {
            if (_end.HasEnded)
            {
                return;
            }
            // Null: this call runs the closing handshake; any other waits for it.
            inProgress = _end.JoinClose(Core.State == ConnectionState.Open, Environment.TickCount64);
        }
        if (inProgress is not null)
        {
            try
            {
                await inProgress.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            return;
        }
        try
        {
            await _writer.SendAsync(new SendCommand(Kind.Close, reason, default, CloseCode: code), cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketClosedException)
        {
            return;
        }
        await AwaitEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the closing handshake under way to end the connection: reads (and discards) up to the peer's close when
    /// no receive loop does; drops the connection when the close timeout passes first.
    /// </summary>
    private async Task AwaitEndAsync(CancellationToken cancellationToken)
    {
        Task ended;
        lock (Core)
        {
            if (_end.HasEnded)
            {
                return;
            }
            ended = _end.Closing();
        }
        if (Volatile.Read(ref _receiving) == NotReceiving)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.CloseTimeout);
            try
            {
                // Taken as the close's own, one message at a time: a receive loop that was only busy with its last message
                // when the close came then gets the close from its next receive (ReceiveAfterCloseAsync) instead of an error.
                // When that loop takes the receive between two of these, it reads on to the peer's close itself.
                while (Interlocked.CompareExchange(ref _receiving, DrainingForClose, NotReceiving) == NotReceiving)
                {
                    if ((await Receive(untilIdle: false, timeout.Token).ConfigureAwait(false)).IsClose)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Abort(CloseCode.AbnormalClosure, NoCloseReply);
                return;
            }
        }
        try
        {
            await ended.WaitAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            Abort(CloseCode.AbnormalClosure, NoCloseReply);
        }
    }

    /// <summary>
    /// Sends a close frame without waiting for the peer's (what <see cref="System.Net.WebSockets.WebSocket.CloseOutputAsync"/>
    /// does); the receive loop then sees the peer's close. Does nothing when a close was already sent.
    /// </summary>
    internal async ValueTask SendCloseAsync(CloseCode code, string reason, CancellationToken cancellationToken)
    {
        CloseCodeRules.EnsureSendable(code, reason);
        lock (Core)
        {
            if (_end.HasEnded || Core.State is not (ConnectionState.Open or ConnectionState.CloseReceived))
            {
                return;
            }
            _end.StartClose(Environment.TickCount64);
        }
        await _writer.SendAsync(new SendCommand(Kind.Close, reason, default, CloseCode: code), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes with <paramref name="code"/>, and drops the connection if the close does not finish within the close
    /// timeout (a peer that reads nothing never gets the close frame). Either way this side reports
    /// <paramref name="code"/>: a status decided before the end wins over how the end came.
    /// </summary>
    internal async Task CloseOrAbortAsync(CloseCode code, string reason)
    {
        lock (Core)
        {
            _end.Decide(code, reason);
        }
        try
        {
            await CloseAsync(code, reason).WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or WebSocketClosedException or InvalidOperationException || DuplexTransport.IsFailure(ex))
        {
        }
        Abort(code, reason);
    }

    /// <summary>Drops the connection at once, without a closing handshake; the peer sees the TCP connection reset.</summary>
    public void Abort() => Abort(CloseCode.AbnormalClosure, "The connection was aborted.");

    internal void Abort(CloseCode status, string reason) => End(ConnectionEnding.Aborted, status, reason);

    /// <summary>Ends the connection, once: records how under the lock, then closes or resets the transport outside it.</summary>
    private void End(ConnectionEnding how, CloseCode? status, string? reason)
    {
        lock (Core)
        {
            if (_end.HasEnded)
            {
                return;
            }
            if (how is ConnectionEnding.TransportEnded or ConnectionEnding.Aborted)
            {
                Core.OnTransportEnded();
            }
            if (how == ConnectionEnding.Aborted)
            {
                // Why this side dropped the connection is what it reports, not the 1006 the core now holds.
                _end.Decide(status, reason);
            }
            _end.Mark(Core, status, reason);
        }
        FinishEnd(how);
    }

    /// <summary>
    /// Under the lock, as a send turn ends: the server closes TCP first once both close frames are exchanged (§7.1.1), or
    /// after failing the connection. How the connection ends then (see <see cref="FinishEnd"/>), or null while it goes on.
    /// </summary>
    internal ConnectionEnding? EndAfterTurn() => !_end.HasEnded && Core.ShouldCloseTransport && _end.Mark(Core, null, null)
        ? (Core.Error is not null ? ConnectionEnding.Failed : ConnectionEnding.Closed)
        : null;

    /// <summary>Outside the lock, once, after the end was recorded: closes or resets the transport and tells whoever waits.</summary>
    internal void FinishEnd(ConnectionEnding how)
    {
        _end.Finish(how, Transport);
        _ping.Fail(ClosedError(null));
        Ended?.Invoke(this);
    }

    /// <summary>Called about once a second by the owner's heartbeat: asks the keepalive what to do now, and does it.</summary>
    internal void OnHeartbeat(long now)
    {
        if (HasEnded)
        {
            return;
        }
        // Bytes that arrived since the last heartbeat count as received now. Compared and exchanged, and the value seen
        // used rather than read again: the receive loop may mark new bytes at this very moment.
        long lastReceived = Interlocked.CompareExchange(ref _lastReceived, now, ReceivedSinceHeartbeat);
        if (lastReceived == ReceivedSinceHeartbeat)
        {
            lastReceived = now;
        }
        var activity = new KeepAlive.Activity(lastReceived, _pingSent, _writer.SendStarted, _end.CloseStarted, State == ConnectionState.Open);
        var decision = KeepAlive.For(_options).Decide(now, activity);
        if (decision.Action == KeepAlive.Action.Drop)
        {
            Abort(CloseCode.AbnormalClosure, decision.Reason!);
        }
        else if (decision.Action == KeepAlive.Action.Ping)
        {
            _pingSent = now;
            _ = _writer.SendKeepAlivePingAsync();
        }
    }

    /// <summary>Closes the connection (if still open) and releases its buffers. Safe to call again, and from any thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!HasEnded)
        {
            try
            {
                if (State == ConnectionState.Open)
                {
                    await CloseAsync(CloseCode.GoingAway, "").ConfigureAwait(false);
                }
                else
                {
                    // A closing handshake is under way (ours, the server's 1001 on shutdown say, or the peer's). RFC 6455
                    // §5.5.1: "After both sending and receiving a Close message, an endpoint considers the WebSocket
                    // connection closed and MUST close the underlying TCP connection": let it finish, reading the peer's
                    // close if nobody else does, instead of resetting the connection under the close frames in flight.
                    await AwaitEndAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketClosedException or InvalidOperationException || DuplexTransport.IsFailure(ex))
            {
            }
            Abort();
        }
        if (_end.Lingering is { } lingering)
        {
            // Closing the transport now would reset the connection under the failure's close frame; the drain is bounded.
            await lingering.ConfigureAwait(false);
        }
        await Transport.DisposeAsync().ConfigureAwait(false);
        // The core's buffers and compression contexts go now: after the end nothing calls into the core. The receive
        // buffer goes unless a receive loop still holds it: that loop gives it back as it sees the end, or as it leaves
        // on an exception, its cancellation say (LeaveFailedReceive; the lock above is the fence this look needs).
        lock (Core)
        {
            Core.Dispose();
            _writer.ReleaseIfIdle();
        }
        if (Volatile.Read(ref _receiving) == NotReceiving)
        {
            _in.Release();
        }
    }
}
