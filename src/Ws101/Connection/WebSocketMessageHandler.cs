using System.Runtime.ExceptionServices;
using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// An endpoint's application as callbacks: <see cref="OnOpenAsync"/> once after the handshake, <see cref="OnMessageAsync"/>
/// for each message, <see cref="OnClosed"/> once at the end. For servers that hold many mostly idle connections: mapped
/// with <see cref="WebSocketServer.Map(string, WebSocketMessageHandler, WebSocketRouteOptions?)"/>, an idle connection is
/// plain state that the event loop calls into when bytes arrive, with no suspended method of the application or of the
/// server, no buffer and no request head: it costs about a third of what a connection whose handler awaits
/// <see cref="WebSocketConnection.ReceiveAsync"/> costs.
/// </summary>
/// <remarks>
/// <para>One instance serves every connection of its route, so per-connection state goes in the connection's
/// <see cref="WebSocketConnection.UserState"/> or a map of your own.</para>
/// <para>Calls for one connection never overlap: the next message is not read until the task of the last one completes
/// (which is how a slow handler holds its peer back). Sending from any thread at any time is fine, as on every connection.</para>
/// <para>When a callback throws, the host logs it and closes the connection with 1011 (internal error); messages that
/// arrive before the peer's close are not given to the handler, and <see cref="OnClosed"/> is still called.</para>
/// </remarks>
/// <example>
/// <code>
/// sealed class Echo : WebSocketMessageHandler
/// {
///     public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
///         message.Kind == WebSocketMessageKind.Ping ? ValueTask.CompletedTask
///             : connection.SendAsync(message.Data, message.Kind, message.EndOfMessage, cancellationToken);
/// }
///
/// server.Map("/echo", new Echo());
/// </code>
/// </example>
public abstract class WebSocketMessageHandler
{
    /// <summary>
    /// Called once, after the 101 and before the first message. The request's headers (<see cref="WebSocketHandshakeInfo.RequestHeaders"/>,
    /// <see cref="WebSocketHandshakeInfo.RequestText"/>) can be read here, and only here on a server's route: once this
    /// returns the connection lets them go. The target, subprotocol and extensions stay.
    /// </summary>
    public virtual ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Called for each message: whole, or a part when the connection's options stream them, and surfaced pings (the pong is
    /// sent anyway). <see cref="WebSocketMessage.Data"/> is valid until the returned task completes: copy what you keep.
    /// </summary>
    /// <param name="connection">The connection the message came on.</param>
    /// <param name="message">Never the close: the end is <see cref="OnClosed"/>.</param>
    /// <param name="cancellationToken">Cancelled when the host stops (on a server, after every connection had its close).</param>
    public abstract ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Called once, when the connection has ended: <see cref="WebSocketConnection.CloseStatus"/>,
    /// <see cref="WebSocketConnection.CloseReason"/> and <see cref="WebSocketConnection.ProtocolError"/> say how. (Under
    /// <see cref="RunAsync"/>, also when its token was cancelled, which ends the loop with the connection perhaps still open.)
    /// </summary>
    public virtual void OnClosed(WebSocketConnection connection)
    {
    }

    /// <summary>
    /// Runs this handler on <paramref name="connection"/> as an ordinary receive loop, until the connection ends: for any
    /// host (ASP.NET Core's <c>MapWs101</c>, a client's connection, a handler of your own). When a callback throws, the
    /// connection is closed with 1011, <see cref="OnClosed"/> is called, and the exception comes out of this task.
    /// </summary>
    public async Task RunAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ExceptionDispatchInfo? failure = null;
        try
        {
            await OnOpenAsync(connection, cancellationToken).ConfigureAwait(false);
            connection.Handshake.ReleaseRequest();
            while (true)
            {
                var message = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (message.IsClose)
                {
                    break;
                }
                await OnMessageAsync(connection, message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebSocketClosedException)
        {
            // A send found the connection closed under it: the peer went away, which is the end and not a failure.
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            failure = ExceptionDispatchInfo.Capture(ex);
            await connection.CloseOrAbortAsync(CloseCode.InternalServerError, FailedReason).ConfigureAwait(false);
        }
        finally
        {
            OnClosed(connection);
        }
        failure?.Throw();
    }

    /// <summary>The close reason sent when a callback threw.</summary>
    internal const string FailedReason = "The handler failed.";
}
