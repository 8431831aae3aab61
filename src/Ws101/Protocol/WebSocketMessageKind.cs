namespace Ws101;

/// <summary>
/// The kind of a message: what <see cref="WebSocketConnection.ReceiveAsync"/> returned, and what a data message is sent as.
/// A data message is text or binary (RFC 6455 §5.6), fixed by the opcode of its first frame; the values equal the
/// opcodes (text 1, binary 2, close 8, ping 9).
/// </summary>
public enum WebSocketMessageKind : byte
{
    /// <summary>A text message (or, when streaming, part of one): UTF-8, validated as it arrives (§8.1).</summary>
    Text = 1,

    /// <summary>A binary message (or, when streaming, part of one): opaque bytes.</summary>
    Binary = 2,

    /// <summary>The connection is closed: see <see cref="WebSocketMessage.CloseStatus"/> and <see cref="WebSocketMessage.CloseReason"/>. Nothing follows.</summary>
    Close = 8,

    /// <summary>A ping, surfaced only when <see cref="Protocol.ProtocolOptions.SurfacePings"/> is on (the pong is sent anyway).</summary>
    Ping = 9,
}
