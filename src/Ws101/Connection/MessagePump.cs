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
        _ = connection.Session.Pump!.PumpAsync(connection, resuming: true);
    };

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
        await PumpAsync(connection, resuming: false).ConfigureAwait(false);
    }

    private async Task PumpAsync(WebSocketConnection connection, bool resuming)
    {
        while (true)
        {
            WebSocketMessage message;
            try
            {
                message = await connection.ReceiveReadyAsync(resuming).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not a failure of the transport (those come back as the close): a receive of the application's own beside
                // the pump, say. Reported, and the connection dropped, since its input can no longer be followed.
                _owner.HandlerFailed(connection, ex);
                connection.Abort(CloseCode.InternalServerError, WebSocketMessageHandler.FailedReason);
                End(connection);
                return;
            }
            resuming = false;
            if (message.Kind == 0)
            {
                // Nothing to read now: wait for the next edge, here or (most often) as a continuation with no method suspended.
                if (connection.Transport.WatchReadable(Readable, connection))
                {
                    return;
                }
                resuming = true;
                continue;
            }
            if (message.IsClose)
            {
                End(connection);
                return;
            }
            if (connection.Session.HandlerFailed)
            {
                // After a failure the close is on its way: what comes before the peer's close is not the handler's.
                continue;
            }
            try
            {
                await _handler.OnMessageAsync(connection, message, _owner.Stopping).ConfigureAwait(false);
            }
            catch (WebSocketClosedException)
            {
                // A send found the connection closed under it: the next receive returns the close.
            }
            catch (Exception ex)
            {
                await FailAsync(connection, ex).ConfigureAwait(false);
            }
        }
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
