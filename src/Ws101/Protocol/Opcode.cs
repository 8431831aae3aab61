namespace Ws101.Protocol;

/// <summary>
/// The 4-bit opcode of a frame (RFC 6455 §5.2, §11.8). Values 0x3-0x7 and 0xB-0xF are reserved;
/// a frame carrying one fails the connection with <see cref="CloseCode.ProtocolError"/>.
/// </summary>
internal enum Opcode : byte
{
    /// <summary>0x0: a continuation frame, carrying the next fragment of the message in progress (§5.4).</summary>
    Continuation = 0x0,

    /// <summary>0x1: the first frame of a text message, whose payload is UTF-8 (§5.6).</summary>
    Text = 0x1,

    /// <summary>0x2: the first frame of a binary message (§5.6).</summary>
    Binary = 0x2,

    /// <summary>0x8: a connection close control frame (§5.5.1).</summary>
    Close = 0x8,

    /// <summary>0x9: a ping control frame (§5.5.2).</summary>
    Ping = 0x9,

    /// <summary>0xA: a pong control frame (§5.5.3).</summary>
    Pong = 0xA,
}
