using System.Buffers;
using System.Text;
using Ws101.Compression;

namespace Ws101.Protocol;

// permessage-deflate (RFC 7692) as a stage of the core, between frames and events: a message whose first frame has
// RSV1 set is inflated before the application sees it, its size counted and its text validated after inflation;
// sent messages are deflated and marked with RSV1. The codec's contexts are created on first use and dropped as the
// agreement allows (see PerMessageDeflateOptions), so an idle connection holds none.
public sealed partial class WebSocketConnectionCore
{
    private readonly PerMessageDeflate? _deflate;
    // The outgoing message being streamed is compressed; its first part decided (RFC 7692 §6: per message).
    private bool _sendingCompressed;

    /// <summary>What permessage-deflate agreed for this connection, or null when it is not in use.</summary>
    internal PerMessageDeflateAgreement? PerMessageDeflate => _deflate?.Agreement;

    /// <summary>
    /// Gives back what an idle connection need not hold: the buffer inflated payloads were delivered from, the
    /// reassembly buffer of fragmented messages (to the pool), the control
    /// frame's payload buffer and the (empty) buffer of automatic replies. Call when no event's payload is in use any
    /// more, e.g. while the transport waits for input. The two small buffers are made again on the next control frame:
    /// kept, they stayed with every idle connection that a keepalive ping had ever reached.
    /// </summary>
    public void ReleaseIdleBuffers()
    {
        _deflate?.Decompressor.Trim();
        if (_messageCount == 0 && _messageBuffer is { } reassembled)
        {
            // No message half put together, and the last one delivered is the application's no more (it asked for the next).
            _messageBuffer = null;
            ArrayPool<byte>.Shared.Return(reassembled);
        }
        _controlBuffer = null;
        if (PendingCount == 0)
        {
            _pendingWriter = null;
        }
    }

    /// <summary>True when <see cref="ReleaseIdleBuffers"/> may have something to give back (read without the lock: a hint).</summary>
    public bool MayHoldIdleBuffers => _deflate is not null || _messageBuffer is not null || _controlBuffer is not null || _pendingWriter is not null;

    /// <summary>Bytes of buffers the core holds now (reassembly, control payload, automatic replies); for tests and diagnostics.</summary>
    internal int HeldBufferBytes => (_messageBuffer?.Length ?? 0) + (_controlBuffer?.Length ?? 0) + (_pendingWriter?.Capacity ?? 0)
        + (_deflate?.Decompressor.BufferLength ?? 0);

    /// <summary>
    /// The receiving half of the stage: a data event of a compressed message (a whole message, or the next chunk of a
    /// streamed one) becomes the same event over the inflated bytes, or the connection fails.
    /// </summary>
    private ProtocolEvent Inflate(ref ReadOnlySequence<byte> buffer, in ProtocolEvent ev)
    {
        // RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message.
        // Decompress the resulting data using DEFLATE." The decompressor counts what it produces and stops one byte past
        // MaxMessageSize, so a small message that would inflate to gigabytes is stopped at the limit.
        OperationStatus status = _deflate!.Decompressor.Decompress(ev.Payload, ev.EndOfMessage, out ReadOnlyMemory<byte> inflated);
        if (status == OperationStatus.DestinationTooSmall)
        {
            // RFC 6455 §7.4.1: 1009 "indicates that an endpoint is terminating the connection because it has received a
            // message that is too big for it to process".
            return Fail(ref buffer, CloseCode.MessageTooBig,
                $"A compressed message inflates to more than the limit of {_options.MaxMessageSize} bytes (RFC 6455 §7.4.1 1009; inflation stopped at the limit).",
                ProtocolErrorCode.MessageTooBig);
        }
        if (status != OperationStatus.Done)
        {
            return Fail(ref buffer, CloseCode.InvalidPayloadData, "A compressed message is not valid DEFLATE data (RFC 7692 §6.2).", ProtocolErrorCode.InvalidCompressedData);
        }
        // RFC 6455 §8.1 applies to the text the application gets, so it is checked once, after inflating, by the same
        // validator that checks uncompressed text (the frame layer skips messages with RSV1 set).
        if (ev.MessageKind == WebSocketMessageKind.Text && (!_utf8.Validate(inflated.Span) || (ev.EndOfMessage && !_utf8.IsComplete)))
        {
            return Fail(ref buffer, CloseCode.InvalidPayloadData, "A compressed text message is not valid UTF-8 once inflated (RFC 6455 §8.1).", ProtocolErrorCode.InvalidUtf8);
        }
        // The stage consumed RSV1: the event carries only bits that some other extension defines.
        return new ProtocolEvent(ev.Kind, new ReadOnlySequence<byte>(inflated), ev.MessageKind, ev.EndOfMessage, ev.ReservedBits & ~ReservedBits.Rsv1);
    }

    /// <summary>
    /// Writes a data frame as <see cref="WriteMessage(IBufferWriter{byte}, WebSocketMessageKind, ReadOnlySpan{byte}, MessageCompression)"/>
    /// (or, with <paramref name="streamed"/>, <see cref="WriteFragment(IBufferWriter{byte}, WebSocketMessageKind, ReadOnlySpan{byte}, bool, MessageCompression)"/>)
    /// does, except that when the payload goes on the wire exactly as given (a server's frame, not compressed) only the
    /// header is written and true is returned: the caller sends the payload itself right behind it, so a large payload is
    /// handed to the kernel from where it is instead of being copied behind the header first. False: the whole frame was written.
    /// </summary>
    internal bool WriteDataHeader(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, bool endOfMessage,
        MessageCompression compression, bool streamed)
    {
        if (!streamed)
        {
            EnsureNotStreaming();
        }
        return WriteData(output, type, payload, endOfMessage, ReservedBits.None, compression, headerOnly: !_isClient);
    }

    /// <summary>
    /// The sending half: writes a message, or the next part of a streamed one, deflated when the first part chose so
    /// (RFC 7692 §6: "An endpoint MAY choose not to compress a message"), plain otherwise; with <paramref name="headerOnly"/>,
    /// a plain frame's header only (see <see cref="WriteDataHeader"/>), returning whether that is what it wrote.
    /// </summary>
    private bool WriteData(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, bool endOfMessage,
        ReservedBits reservedBits, MessageCompression compression, bool headerOnly = false)
    {
        bool wroteHeaderOnly = false;
        ArgumentNullException.ThrowIfNull(output);
        EnsureOpen("data frame");
        if (type is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A message is text or binary.");
        }
        if (_sendingMessage && type != _sendingType)
        {
            throw new InvalidOperationException($"A {_sendingType} message is in progress; its fragments cannot become {type}.");
        }
        if (reservedBits != ReservedBits.None && ((reservedBits & ~_allowedReservedBits) != 0 || _sendingMessage
            || (_deflate is not null && (reservedBits & ReservedBits.Rsv1) != 0)))
        {
            throw new ArgumentException($"Reserved bits {reservedBits} are allowed only on the first frame of a message, only when the options allow them, and RSV1 not at all while permessage-deflate is in use.", nameof(reservedBits));
        }
        bool first = !_sendingMessage;
        if (first)
        {
            _sendingCompressed = reservedBits == ReservedBits.None && _deflate is { } deflate
                && deflate.ShouldCompress(payload.Length, whole: endOfMessage, compression);
        }
        Opcode opcode = first ? (Opcode)type : Opcode.Continuation;
        if (_sendingCompressed)
        {
            PerMessageDeflateCompressor compressor = _deflate!.Compressor;
            // RFC 7692 §6.1: "the RSV1 bit is set [...] on the first frame of a compressed message" and clear on the others.
            WriteFrame(output, endOfMessage, opcode, first ? ReservedBits.Rsv1 : ReservedBits.None, compressor.Compress(payload, endOfMessage));
            if (endOfMessage)
            {
                compressor.Trim();
            }
        }
        else if (headerOnly)
        {
            // RFC 6455 §5.3: a server never masks, so the payload follows the header byte for byte.
            var header = new FrameHeader(endOfMessage, opcode, payload.Length, false, 0, reservedBits);
            header.TryWrite(output.GetSpan(header.Length), out int written);
            output.Advance(written);
            wroteHeaderOnly = true;
        }
        else
        {
            WriteFrame(output, endOfMessage, opcode, reservedBits, payload);
        }
        _sendingMessage = !endOfMessage;
        _sendingType = type;
        return wroteHeaderOnly;
    }

    /// <summary>Writes a whole text message compressed; false, writing nothing, when it is to go uncompressed.</summary>
    private bool TryWriteDeflatedText(IBufferWriter<byte> output, ReadOnlySpan<char> text, int utf8Length, MessageCompression compression)
    {
        if (_deflate is null || text.IsEmpty || !_deflate.ShouldCompress(utf8Length, whole: true, compression))
        {
            return false;
        }
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(utf8Length);
        try
        {
            int n = Encoding.UTF8.GetBytes(text, utf8);
            WriteData(output, WebSocketMessageKind.Text, utf8.AsSpan(0, n), endOfMessage: true, ReservedBits.None, compression);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }
}
