using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101;

/// <summary>
/// Drives a <see cref="WebSocketMessageHandler"/> on a connection whose transport tells exactly what can be read now (the
/// event loop's): reads and dispatches while bytes are there, then has the transport call it back when readable, with this
/// pump as the state of a static continuation. An idle connection is then plain state (this object, the connection, its core
/// and transport): no suspended method of the handler or the server, no delegate, no buffer.
/// </summary>
/// <remarks>
/// Runs where the transport's wait completes (the loop thread). The receive stays taken while the pump waits, so that a
/// close started elsewhere (the server's shutdown, say) lets the pump read the peer's close rather than reading it itself.
/// </remarks>
internal sealed class MessagePump
{
    private readonly WebSocketConnection _connection;
    private readonly WebSocketMessageHandler _handler;
    private readonly IMessagePumpOwner _owner;
    private bool _failed;

    private static readonly Action<object?> Readable = static state => _ = ((MessagePump)state!).PumpAsync(resuming: true);

    private MessagePump(WebSocketConnection connection, WebSocketMessageHandler handler, IMessagePumpOwner owner)
    {
        _connection = connection;
        _handler = handler;
        _owner = owner;
    }

    /// <summary>True when <paramref name="transport"/> lets a pump wait holding nothing (see <see cref="DuplexTransport.ReceivesNowExactly"/>).</summary>
    public static bool CanDrive(DuplexTransport transport) => transport.ReceivesNowExactly;

    /// <summary>Opens the handler on <paramref name="connection"/> and pumps its messages until it ends.</summary>
    public static void Start(WebSocketConnection connection, WebSocketMessageHandler handler, IMessagePumpOwner owner)
    {
        // The handshake's reads may have made the transport's receive wait; from here on the pump only watches.
        connection.Transport.ForgetReceiveWait();
        _ = new MessagePump(connection, handler, owner).OpenAsync();
    }

    private async Task OpenAsync()
    {
        try
        {
            await _handler.OnOpenAsync(_connection, _owner.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FailAsync(ex).ConfigureAwait(false);
        }
        _connection.Handshake.ReleaseRequest();
        await PumpAsync(resuming: false).ConfigureAwait(false);
    }

    private async Task PumpAsync(bool resuming)
    {
        while (true)
        {
            WebSocketMessage message;
            try
            {
                message = await _connection.ReceiveReadyAsync(resuming).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not a failure of the transport (those come back as the close): a receive of the application's own beside
                // the pump, say. Reported, and the connection dropped, since its input can no longer be followed.
                _owner.HandlerFailed(_connection, ex);
                _connection.Abort(CloseCode.InternalServerError, WebSocketMessageHandler.FailedReason);
                End();
                return;
            }
            resuming = false;
            if (message.Kind == 0)
            {
                // Nothing to read now: wait for the next edge, here or (most often) as a continuation with no method suspended.
                if (WaitForData())
                {
                    return;
                }
                resuming = true;
                continue;
            }
            if (message.IsClose)
            {
                End();
                return;
            }
            if (_failed)
            {
                // After a failure the close is on its way: what comes before the peer's close is not the handler's.
                continue;
            }
            try
            {
                await _handler.OnMessageAsync(_connection, message, _owner.Stopping).ConfigureAwait(false);
            }
            catch (WebSocketClosedException)
            {
                // A send found the connection closed under it: the next receive returns the close.
            }
            catch (Exception ex)
            {
                await FailAsync(ex).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when the wait went asynchronous (the continuation will pump); false when data is there already.</summary>
    private bool WaitForData() => _connection.Transport.WatchReadable(Readable, this);

    private async ValueTask FailAsync(Exception ex)
    {
        _failed = true;
        _owner.HandlerFailed(_connection, ex);
        try
        {
            await _connection.SendCloseAsync(CloseCode.InternalServerError, WebSocketMessageHandler.FailedReason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception closeError) when (closeError is WebSocketClosedException || DuplexTransport.IsFailure(closeError))
        {
        }
    }

    private void End()
    {
        try
        {
            _handler.OnClosed(_connection);
        }
        catch (Exception ex)
        {
            _owner.HandlerFailed(_connection, ex);
        }
        _owner.PumpEnded(_connection);
    }
}
