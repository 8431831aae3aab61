namespace Ws101.Protocol;

/// <summary>
/// The RSV1-3 bits of a frame header (RFC 6455 §5.2), as they sit in the first header byte.
/// They "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values";
/// <see cref="ProtocolOptions.AllowedReservedBits"/> is where a negotiated extension says which it uses.
/// </summary>
[Flags]
internal enum ReservedBits : byte
{
    /// <summary>No reserved bit set.</summary>
    None = 0,

    /// <summary>RSV3 (0x10).</summary>
    Rsv3 = 0x10,

    /// <summary>RSV2 (0x20).</summary>
    Rsv2 = 0x20,

    /// <summary>RSV1 (0x40): "Per-Message Compressed" under permessage-deflate (RFC 7692 §6).</summary>
    Rsv1 = 0x40,
}
