namespace Ws101.Handshake;

/// <summary>
/// Names the rule behind a connection failed after its handshake, from the words that report it: the close reason
/// Ws101's protocol core gives (which states the frame and the RFC section), or the message a browser prints. Each
/// kind is a cause of <c>protocol-violation</c> with its own explanation and fix. Pure text matching, no I/O.
/// </summary>
internal static class ProtocolViolations
{
    private sealed record Kind(string Cause, string Rule, string[] Words, string Explanation, string Fix);

    // The words are matched case-insensitively; the first kind with a match wins, so the specific ones come first.
    private static readonly Kind[] Kinds =
    [
        new("unmasked-frame", "RFC 6455 §5.1", ["unmasked frame", "must mask"],
            "The client sent an unmasked frame. Every frame from a client is masked; a server must close the connection on an unmasked one.",
            "Make the client mask every frame with a fresh 4-byte key."),
        new("masked-frame", "RFC 6455 §5.1", ["masked frame", "must not mask"],
            "The server sent a masked frame. Only clients mask their frames; a client must close the connection when it receives a masked one.",
            "Make the server send its frames unmasked (mask bit 0). A server that masks is usually a client library used in the server's role."),
        new("data-after-close", "RFC 6455 §5.5.1", ["after close"],
            "The server sent a data frame after its Close frame. After a Close, an endpoint sends no more data.",
            "Make the server stop sending once it has sent its Close frame."),
        new("reserved-bits", "RFC 6455 §5.2", ["reserved bit"],
            "A frame had RSV1, RSV2 or RSV3 set without a negotiated extension that defines them (a compressed frame on a connection that did not agree on permessage-deflate, for instance).",
            "Set the reserved bits only for an extension both sides agreed on in the handshake."),
        new("invalid-close-code", "RFC 6455 §7.4", ["close code", "reserved status code", "invalid status code"],
            "A Close frame carried a status code that may not be sent on the wire (1005, 1006, 1015, or a value outside the ranges RFC 6455 allows).",
            "Close with 1000-1003, 1007-1011 or an application code between 3000 and 4999; leave the body empty to give no code."),
        new("invalid-close-frame", "RFC 6455 §5.5.1", ["close frame"],
            "A Close frame was malformed: a 1-byte body, or a reason that is not UTF-8.",
            "Send a Close frame with an empty body, or a 2-byte status code followed by a UTF-8 reason."),
        new("control-frame", "RFC 6455 §5.5", ["control frame"],
            "A control frame (close, ping or pong) was fragmented or carried more than 125 bytes.",
            "Send control frames whole (FIN set) with at most 125 bytes of payload."),
        new("reserved-opcode", "RFC 6455 §5.2", ["opcode"],
            "A frame carried an opcode that RFC 6455 reserves (0x3-0x7, 0xB-0xF). An unknown opcode fails the connection.",
            "Send only the opcodes RFC 6455 defines: continuation, text, binary, close, ping, pong."),
        new("invalid-utf8", "RFC 6455 §8.1", ["utf-8", "utf8"],
            "A text message was not valid UTF-8. Text frames carry UTF-8 only; a receiver must fail the connection (close code 1007) on anything else.",
            "Send text as UTF-8, or send the bytes as a binary message."),
        new("fragmentation", "RFC 6455 §5.4", ["continuation", "previous message"],
            "The frames of a message came out of order: a continuation frame with no message started, or a new message before the last one ended.",
            "Send a fragmented message as one first frame (text or binary, FIN clear), continuation frames, and a last continuation frame with FIN set."),
        new("payload-length", "RFC 6455 §5.2", ["payload length", "most significant bit"],
            "A frame's length field was malformed (a 64-bit length with its top bit set, or not in its shortest form).",
            "Encode lengths as RFC 6455 §5.2 says: 7 bits up to 125, 16 bits up to 65535, else 64 bits with the top bit 0."),
        new("too-big", "RFC 6455 §10.4", ["exceeds max", "too big"],
            "A frame or message was larger than the receiver accepts (close code 1009).",
            "Send smaller messages, or raise the receiver's limit if the size is legitimate."),
        new("compression", "RFC 7692 §7", ["deflate", "decompress", "inflate"],
            "A compressed message could not be decompressed with the parameters the handshake agreed on.",
            "Check the permessage-deflate parameters on both sides (window bits, context takeover)."),
    ];

    /// <summary>
    /// The problem for a connection that ended with <paramref name="closeCode"/> after its handshake, when the code says the
    /// protocol was broken (1002, 1003, 1007, 1009, 1010); null for an ordinary close.
    /// </summary>
    public static HandshakeProblem? FromClose(int closeCode, string? reason)
    {
        if (closeCode is not (1002 or 1003 or 1007 or 1009 or 1010))
        {
            return null;
        }
        string text = string.IsNullOrWhiteSpace(reason) ? "(no reason given)" : reason;
        var kind = Classify(text);
        return Build(kind, text, $"the connection closed with {closeCode}: {text}");
    }

    /// <summary>The problem for a browser's message about a connection it failed after the handshake, or null when the message is not one.</summary>
    public static HandshakeProblem? FromBrowserMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Classify(message) is { } kind ? Build(kind, message, $"the browser says: {message}") : null;
    }

    private static Kind? Classify(string text) =>
        Kinds.FirstOrDefault(k => k.Words.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase)));

    private static HandshakeProblem Build(Kind? kind, string actual, string evidence) =>
        new(HandshakeProblemCode.ProtocolViolation, "frame", kind is null ? "frames that follow RFC 6455" : $"frames that follow {kind.Rule}", actual)
        {
            Cause = kind?.Cause,
            Evidence = evidence,
            Explanation = kind is null ? HandshakeProblemCatalog.Get(HandshakeProblemCode.ProtocolViolation).Explanation
                : $"The handshake completed; then the connection failed. {kind.Explanation} ({kind.Rule})",
            Fix = kind?.Fix ?? HandshakeProblemCatalog.Get(HandshakeProblemCode.ProtocolViolation).Fix,
        };
}
