namespace Ws101;

/// <summary>
/// The rule of RFC 6455 (or RFC 7692) that a peer broke, one value per rule, so that an application can switch on it;
/// <see cref="ProtocolError.Reason"/> says the same in words, with the section.
/// </summary>
public enum ProtocolErrorCode
{
    /// <summary>A failure not tied to one rule (never produced by the core; the default of an empty value).</summary>
    Unspecified = 0,

    /// <summary>§5.5: a control frame (close, ping, pong) had FIN clear.</summary>
    FragmentedControlFrame,

    /// <summary>§5.5: a control frame carried more than 125 bytes.</summary>
    ControlFrameTooLong,

    /// <summary>§5.1: the server sent a masked frame.</summary>
    MaskedFrameFromServer,

    /// <summary>§5.1: the client sent an unmasked frame.</summary>
    UnmaskedFrameFromClient,

    /// <summary>§5.2: RSV1, RSV2 or RSV3 set without a negotiated extension that defines it there.</summary>
    ReservedBits,

    /// <summary>§5.2: a reserved opcode (0x3-0x7, 0xB-0xF).</summary>
    ReservedOpcode,

    /// <summary>§5.2: a 64-bit payload length with its most significant bit set.</summary>
    InvalidPayloadLength,

    /// <summary>§5.4: a continuation frame with no message in progress.</summary>
    UnexpectedContinuation,

    /// <summary>§5.4: a new text or binary message began before the previous one ended.</summary>
    UnfinishedMessage,

    /// <summary>§8.1: a text message (or a close reason) that is not valid UTF-8 (close code 1007).</summary>
    InvalidUtf8,

    /// <summary>§5.5.1: a close frame with a 1-byte body.</summary>
    InvalidCloseFrame,

    /// <summary>§7.4: a close code that may not be sent on the wire.</summary>
    BadCloseCode,

    /// <summary>§10.4: a frame larger than the endpoint accepts (close code 1009).</summary>
    FrameTooBig,

    /// <summary>§10.4: a message larger than the endpoint accepts (close code 1009).</summary>
    MessageTooBig,

    /// <summary>RFC 7692 §6.2: a compressed message that is not valid DEFLATE data, or inflates beyond the limit.</summary>
    InvalidCompressedData,
}
