namespace Ws101;

/// <summary>What <see cref="WebSocketConnection.ReceiveAsync"/> returned.</summary>
public enum WebSocketMessageKind
{
    /// <summary>A text message (or, when streaming, part of one): UTF-8, already validated.</summary>
    Text,
    /// <summary>A binary message (or, when streaming, part of one).</summary>
    Binary,
    /// <summary>A ping, surfaced only when <see cref="Protocol.ProtocolOptions.SurfacePings"/> is on (the pong is sent anyway).</summary>
    Ping,
    /// <summary>The connection is closed: see <see cref="WebSocketMessage.CloseStatus"/> and <see cref="WebSocketMessage.CloseReason"/>. Nothing follows.</summary>
    Close,
}
