using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101;

/// <summary>
/// Drives a <see cref="WebSocketMessageHandler"/> on connections whose transport tells exactly what can be read now (the
/// event loop's): reads and dispatches while bytes are there, then has the transport call it back when readable, with the
/// connection as the state of a static continuation. One pump serves every connection of a route (it holds the handler and
/// the owner; the connection's <see cref="ServerSession"/> holds the pump and whether its handler failed), so an idle
/// connection is plain state (the connection, its core and transport): no suspended method of the handler or the server,
/// no delegate, no buffer, and no object of the pump's.
/// </summary>
/// <remarks>
/// Runs where the transport's wait completes (the loop thread). The receive stays taken while the pump waits, so that a
/// close started elsewhere (the server's shutdown, say) lets the pump read the peer's close rather than reading it itself.
/// </remarks>
internal sealed class MessagePump
{
    private readonly WebSocketMessageHandler _handler;
    private readonly IMessagePumpOwner _owner;

    private static readonly Action<object?> Readable = static state =>
    {
        var connection = (WebSocketConnection)state!;
        connection.Session.Pump!.Run(connection, resuming: true);
    };

    /// <summary>What the pump does after a message (<see cref="Dispatch"/>).</summary>
    private enum Step
    {
        /// <summary>Read on: the message was handled, or was not the handler's.</summary>
        Next,
        /// <summary>The handler's work is under way (the <see cref="ValueTask"/> given out); read on once it completes.</summary>
        Handling,
        /// <summary>Nothing to read, and the watch found an edge or the close already there: read again at once.</summary>
        ReadAgain,
        /// <summary>The pump has returned: watching for the next edge, or the connection has ended.</summary>
        Stop,
    }

    /// <summary>A pump for the connections of one route: <paramref name="handler"/>'s callbacks, <paramref name="owner"/> told of failures and ends.</summary>
    public MessagePump(WebSocketMessageHandler handler, IMessagePumpOwner owner)
    {
        _handler = handler;
        _owner = owner;
    }

    /// <summary>True when <paramref name="transport"/> lets a pump wait holding nothing (see <see cref="DuplexTransport.ReceivesNowExactly"/>).</summary>
    public static bool CanDrive(DuplexTransport transport) => transport.ReceivesNowExactly;

    /// <summary>Opens the handler on <paramref name="connection"/> and pumps its messages until it ends.</summary>
    public void Start(WebSocketConnection connection)
    {
        connection.Session.Pump = this;
        // The handshake's reads may have made the transport's receive wait; from here on the pump only watches.
        connection.Transport.ForgetReceiveWait();
        _ = OpenAsync(connection);
    }

    private async Task OpenAsync(WebSocketConnection connection)
    {
        try
        {
            await _handler.OnOpenAsync(connection, _owner.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FailAsync(connection, ex).ConfigureAwait(false);
        }
        connection.Handshake.ReleaseRequest();
        Run(connection, resuming: false);
    }

    /// <summary>
    /// Reads and dispatches while every step completes at once, as a plain loop: a wake-up whose message the handler answers
    /// at once (an echo, a reply sent without waiting) runs no asynchronous method at all. The first step that has to wait (a
    /// receive of a frame still arriving, a handler awaiting something, a send the kernel does not take) hands the rest to
    /// <see cref="PumpAsync"/>, which awaits it and pumps on until the next wait for readiness.
    /// </summary>
    private void Run(WebSocketConnection connection, bool resuming)
    {
        while (true)
        {
            ValueTask<WebSocketMessage> receive;
            try
            {
                receive = connection.ReceiveReadyAsync(resuming);
            }
            catch (Exception ex)
            {
                ReceiveFailed(connection, ex);
                return;
            }
            if (!receive.IsCompletedSuccessfully)
            {
                _ = PumpAsync(connection, receive, default);
                return;
            }
            resuming = false;
            switch (Dispatch(connection, receive.Result, out var handling))
            {
                case Step.Stop:
                    return;
                case Step.ReadAgain:
                    resuming = true;
                    continue;
                case Step.Handling when !handling.IsCompletedSuccessfully:
                    _ = PumpAsync(connection, null, handling);
                    return;
                case Step.Handling:
                    // Completed: its result is taken (a pooled source behind it is then free for its next use).
                    handling.GetAwaiter().GetResult();
                    continue;
            }
        }
    }

    /// <summary>
    /// The pump's general form: finishes the step <see cref="Run"/> could not (a <paramref name="receive"/> or a
    /// <paramref name="handling"/> still under way), then reads and dispatches with awaits until the next wait for readiness.
    /// </summary>
    private async Task PumpAsync(WebSocketConnection connection, ValueTask<WebSocketMessage>? receive, ValueTask handling)
    {
        bool resuming = false;
        while (true)
        {
            try
            {
                await handling.ConfigureAwait(false);
            }
            catch (WebSocketClosedException)
            {
                // A send found the connection closed under it: the next receive returns the close.
            }
            catch (Exception ex)
            {
                await FailAsync(connection, ex).ConfigureAwait(false);
            }
            handling = default;
            WebSocketMessage message;
            try
            {
                message = receive is { } pending
                    ? await pending.ConfigureAwait(false)
                    : await connection.ReceiveReadyAsync(resuming).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ReceiveFailed(connection, ex);
                return;
            }
            receive = null;
            resuming = false;
            switch (Dispatch(connection, message, out handling))
            {
                case Step.Stop:
                    return;
                case Step.ReadAgain:
                    resuming = true;
                    break;
            }
        }
    }

    /// <summary>
    /// What the pump does with what the receive returned: with nothing there, watches for the next edge (the pump returns,
    /// holding nothing); the close ends the connection; a message goes to the handler, whose work comes back as
    /// <paramref name="handling"/> (a handler that throws at once comes back as a faulted one).
    /// </summary>
    private Step Dispatch(WebSocketConnection connection, in WebSocketMessage message, out ValueTask handling)
    {
        handling = default;
        if (message.Kind == 0)
        {
            // Nothing to read now: wait for the next edge, as a continuation with no method suspended.
            return connection.Transport.WatchReadable(Readable, connection) ? Step.Stop : Step.ReadAgain;
        }
        if (message.IsClose)
        {
            End(connection);
            return Step.Stop;
        }
        if (connection.Session.HandlerFailed)
        {
            // After a failure the close is on its way: what comes before the peer's close is not the handler's.
            return Step.Next;
        }
        try
        {
            handling = _handler.OnMessageAsync(connection, message, _owner.Stopping);
        }
        catch (Exception ex)
        {
            handling = ValueTask.FromException(ex);
        }
        return Step.Handling;
    }

    /// <summary>
    /// The pump's receive failed: not a failure of the transport (those come back as the close) but a receive of the
    /// application's own beside the pump, say. Reported, and the connection dropped, since its input can no longer be followed.
    /// </summary>
    private void ReceiveFailed(WebSocketConnection connection, Exception ex)
    {
        _owner.HandlerFailed(connection, ex);
        connection.Abort(CloseCode.InternalServerError, WebSocketMessageHandler.FailedReason);
        End(connection);
    }

    private async ValueTask FailAsync(WebSocketConnection connection, Exception ex)
    {
        connection.Session.HandlerFailed = true;
        _owner.HandlerFailed(connection, ex);
        try
        {
            await connection.SendCloseAsync(CloseCode.InternalServerError, WebSocketMessageHandler.FailedReason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception closeError) when (closeError is WebSocketClosedException || DuplexTransport.IsFailure(closeError))
        {
        }
    }

    private void End(WebSocketConnection connection)
    {
        try
        {
            _handler.OnClosed(connection);
        }
        catch (Exception ex)
        {
            _owner.HandlerFailed(connection, ex);
        }
        _owner.PumpEnded(connection);
    }
}
