namespace Ws101;

/// <summary>
/// Why the connection was failed (RFC 6455 §7.1.7): the close code sent to the peer and shown to the application, the
/// rule that was broken (<see cref="Rule"/>, to switch on), a reason written for the person reading it, and the evidence:
/// the header of the offending frame and where in the received stream it began.
/// </summary>
/// <param name="Code">The close code: 1002 (protocol error), 1007 (invalid payload data) or 1009 (too big).</param>
/// <param name="Reason">What went wrong, with the RFC section.</param>
public readonly record struct ProtocolError(CloseCode Code, string Reason)
{
    /// <summary>The rule that was broken.</summary>
    public ProtocolErrorCode Rule { get; init; }

    /// <summary>
    /// The header bytes (2 to 14) of the frame that broke the rule, as received (masking key included); empty when the
    /// failure came after the header had been consumed (invalid UTF-8 in a payload, a bad close code).
    /// </summary>
    public ReadOnlyMemory<byte> FrameHeader { get; init; }

    /// <summary>The offset, in bytes received on the connection after the handshake, at which the offending frame began.</summary>
    public long FrameOffset { get; init; }

    /// <summary>The code, rule, reason and evidence, e.g. <c>1002 ProtocolError: The server sent a masked frame … [MaskedFrameFromServer, frame at byte 0: 8185…]</c>.</summary>
    public override string ToString() =>
        $"{(int)Code} {Code}: {Reason} [{Rule}, frame at byte {FrameOffset}{(FrameHeader.IsEmpty ? "" : ": " + Convert.ToHexString(FrameHeader.Span))}]";
}
