namespace Ws101;

/// <summary>What a <see cref="MessagePump"/> tells the host that started it (the server).</summary>
internal interface IMessagePumpOwner
{
    /// <summary>Cancelled when the owner stops: handed to the handler's callbacks.</summary>
    CancellationToken Stopping { get; }

    /// <summary>A callback of the handler threw; the pump closes the connection with 1011 and goes on to its end.</summary>
    void HandlerFailed(WebSocketConnection connection, Exception exception);

    /// <summary>The connection ended and the handler's <see cref="WebSocketMessageHandler.OnClosed"/> ran: release it.</summary>
    void PumpEnded(WebSocketConnection connection);
}
