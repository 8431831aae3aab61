namespace Ws101.Protocol;

/// <summary>
/// The kind of a data message (RFC 6455 §5.6), fixed by the opcode of its first frame.
/// The values equal the opcodes, so a cast to <see cref="Opcode"/> is exact.
/// </summary>
public enum MessageType : byte
{
    /// <summary>A text message: its payload is UTF-8, validated as it arrives (§8.1).</summary>
    Text = Opcode.Text,

    /// <summary>A binary message: its payload is opaque bytes.</summary>
    Binary = Opcode.Binary,
}
