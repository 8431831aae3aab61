namespace Ws101;

/// <summary>Whether one sent message is compressed, when permessage-deflate was negotiated (RFC 7692 §6: per message).</summary>
public enum MessageCompression
{
    /// <summary>Compress when the message is at least <see cref="PerMessageDeflateOptions.MinimumMessageSize"/> bytes (the default).</summary>
    Auto,

    /// <summary>Compress whatever its size (still only when negotiated, and within the window the peer allows).</summary>
    Always,

    /// <summary>Send it uncompressed, e.g. data already compressed (images, archives) or a secret next to attacker-chosen text.</summary>
    Never,
}
