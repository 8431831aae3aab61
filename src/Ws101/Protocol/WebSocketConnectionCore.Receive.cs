using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Ws101.Protocol;

public sealed partial class WebSocketConnectionCore
{
    // The data frame whose payload is being received.
    private bool _inFrame;
    private bool _frameFin;
    private bool _frameMasked;
    private uint _frameKey;
    private int _keyOffset;
    private long _frameRemaining;

    // The data message in progress (§5.4).
    private bool _inMessage;
    private WebSocketMessageKind _messageType;
    private ReservedBits _messageBits;
    private long _messageLength;
    private bool _validateUtf8;
    private Utf8Validator _utf8;

    // Reassembly (whole-message mode) and control payloads, reused for the life of the connection.
    private byte[]? _messageBuffer;
    private int _messageCount;
    // Allocated on the first control frame: most idle connections never receive one, and each byte counts per connection.
    private byte[]? _controlBuffer;

    private byte[] ControlPayload => _controlBuffer ??= new byte[FrameHeader.MaxControlPayload];

    /// <summary>
    /// Set by a caller that can grow its receive buffer (the connection does): a whole message in one frame that has not all
    /// arrived is then left unconsumed, header and all, and <see cref="WholeFrameLength"/> says how many bytes it takes, so
    /// that the caller reads the rest behind it and the message is delivered in place, unmasked once and never copied,
    /// instead of being gathered piece by piece into the reassembly buffer. Whole-message mode only.
    /// </summary>
    internal bool WaitsForWholeFrames { get; set; }

    /// <summary>With <see cref="WaitsForWholeFrames"/>: the length (header and payload) of the frame waited for, or 0.</summary>
    internal int WholeFrameLength { get; private set; }

    /// <summary>
    /// Parses the next event from <paramref name="buffer"/> and slices off what it consumed. Returns false when
    /// more bytes are needed (everything usable was consumed; up to one incomplete frame header or control frame,
    /// at most 139 bytes, is left) or when the connection no longer reads (closed or failed; the rest is
    /// consumed and ignored). Any split of the same bytes across calls gives the same messages.
    /// </summary>
    /// <param name="buffer">
    /// Received bytes, e.g. a <see cref="System.IO.Pipelines.ReadResult.Buffer"/>. Data payload is unmasked in place.
    /// On return it starts at the first byte not consumed: pass <c>buffer.Start</c> to <c>PipeReader.AdvanceTo</c>.
    /// </param>
    /// <param name="ev">The event; its payload is valid until the next call and until the buffer is released.</param>
    public bool TryReceive(ref ReadOnlySequence<byte> buffer, out ProtocolEvent ev)
    {
        // The offset of each frame in the stream is evidence when the connection fails: bytes consumed before this call,
        // plus those consumed in it before the frame's header.
        long start = buffer.Length;
        _callStart = start;
        bool produced = TryReceiveEvent(ref buffer, out ev);
        _received += start - buffer.Length;
        return produced;
    }

    private bool TryReceiveEvent(ref ReadOnlySequence<byte> buffer, out ProtocolEvent ev)
    {
        if (!TryReceiveFrame(ref buffer, out ev))
        {
            return false;
        }
        // RFC 7692 §6.1: a message whose first frame has RSV1 set is compressed; the extension stage decodes it
        // (reassembled messages whole, streamed ones chunk by chunk) before anyone sees it.
        if (_deflate is not null && ev.Kind is ProtocolEventKind.Message or ProtocolEventKind.Fragment
            && (ev.ReservedBits & ReservedBits.Rsv1) != 0)
        {
            ev = Inflate(ref buffer, ev);
        }
        return true;
    }

    /// <summary>The frame layer: the next event as the frames carry it, payload unmasked but not decoded by any extension.</summary>
    private bool TryReceiveFrame(ref ReadOnlySequence<byte> buffer, out ProtocolEvent ev)
    {
        while (true)
        {
            if (_closeReceived || _failed || _transportEnded)
            {
                // RFC 6455 §5.5.1: after the close frame the peer "MUST NOT send any further data frames"; whatever
                // follows a close, or a protocol error, is discarded.
                buffer = buffer.Slice(buffer.End);
                ev = default;
                return false;
            }
            if (!_inFrame)
            {
                OperationStatus status = FrameHeader.TryParse(buffer, out FrameHeader header, out int headerLength);
                if (status == OperationStatus.NeedMoreData)
                {
                    ev = default;
                    return false;
                }
                _frameOffset = _received + (_callStart - buffer.Length);
                if (status != OperationStatus.Done)
                {
                    ev = Fail(ref buffer, new ProtocolError(CloseCode.ProtocolError,
                        "A 64-bit payload length has its most significant bit set (RFC 6455 §5.2).") { Rule = ProtocolErrorCode.InvalidPayloadLength },
                        buffer.Slice(0, Math.Min(buffer.Length, 14)));
                    return true;
                }
                if (CheckHeader(header) is { } error)
                {
                    ev = Fail(ref buffer, error, buffer.Slice(0, headerLength));
                    return true;
                }
                if (header.IsControl)
                {
                    int length = (int)header.PayloadLength;
                    if (buffer.Length < headerLength + length)
                    {
                        ev = default;
                        return false;
                    }
                    buffer.Slice(headerLength, length).CopyTo(ControlPayload);
                    if (header.IsMasked)
                    {
                        FrameMask.Apply(ControlPayload.AsSpan(0, length), header.MaskKey, 0);
                    }
                    buffer = buffer.Slice(headerLength + length);
                    if (HandleControl(header.Opcode, length, ref buffer, out ev))
                    {
                        return true;
                    }
                    continue;
                }
                long frameLength = headerLength + header.PayloadLength;
                if (WaitsForWholeFrames && _options.ReceiveMode == ReceiveMode.WholeMessages && header.Fin && header.Opcode != Opcode.Continuation
                    && buffer.Length < frameLength && frameLength <= int.MaxValue)
                {
                    // Nothing consumed: the header is parsed again, with the whole frame behind it, once the rest has come.
                    WholeFrameLength = (int)frameLength;
                    ev = default;
                    return false;
                }
                WholeFrameLength = 0;
                buffer = buffer.Slice(headerLength);
                StartDataFrame(header);
                if (_options.ReceiveMode == ReceiveMode.WholeMessages && header.Fin && header.Opcode != Opcode.Continuation
                    && buffer.Length >= header.PayloadLength)
                {
                    // The common case: a whole unfragmented message within this read. Deliver it in place, no copy.
                    ReadOnlySequence<byte> payload = buffer.Slice(0, header.PayloadLength);
                    Unmask(payload);
                    if (_validateUtf8)
                    {
                        bool valid = ValidateUtf8(payload);
                        if (!valid || !_utf8.IsComplete)
                        {
                            ev = Fail(ref buffer, CloseCode.InvalidPayloadData, valid ? UnfinishedUtf8Reason : InvalidUtf8Reason, ProtocolErrorCode.InvalidUtf8);
                            return true;
                        }
                    }
                    buffer = buffer.Slice(payload.End);
                    _inFrame = false;
                    _inMessage = false;
                    ev = new ProtocolEvent(ProtocolEventKind.Message, payload, _messageType, true, _messageBits);
                    return true;
                }
            }

            // The payload of a data frame, as much of it as has arrived.
            if (_frameRemaining > 0 && buffer.IsEmpty)
            {
                ev = default;
                return false;
            }
            ReadOnlySequence<byte> chunk = buffer.Slice(0, Math.Min(buffer.Length, _frameRemaining));
            Unmask(chunk);
            // RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is
            // not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_." Checked chunk by
            // chunk, so the failure comes at the first invalid sequence rather than at the end of the message.
            if (_validateUtf8 && !ValidateUtf8(chunk))
            {
                ev = Fail(ref buffer, CloseCode.InvalidPayloadData, InvalidUtf8Reason, ProtocolErrorCode.InvalidUtf8);
                return true;
            }
            buffer = buffer.Slice(chunk.End);
            _frameRemaining -= chunk.Length;
            bool endOfMessage = false;
            if (_frameRemaining == 0)
            {
                _inFrame = false;
                if (_frameFin)
                {
                    if (_validateUtf8 && !_utf8.IsComplete)
                    {
                        ev = Fail(ref buffer, CloseCode.InvalidPayloadData, UnfinishedUtf8Reason, ProtocolErrorCode.InvalidUtf8);
                        return true;
                    }
                    _inMessage = false;
                    endOfMessage = true;
                }
            }
            if (_options.ReceiveMode == ReceiveMode.Streaming)
            {
                ev = new ProtocolEvent(ProtocolEventKind.Fragment, chunk, _messageType, endOfMessage, _messageBits);
                return true;
            }
            Append(chunk);
            if (endOfMessage)
            {
                ev = new ProtocolEvent(ProtocolEventKind.Message,
                    new ReadOnlySequence<byte>(_messageBuffer!, 0, _messageCount), _messageType, true, _messageBits);
                _messageCount = 0;
                return true;
            }
        }
    }

    /// <summary>
    /// The same as <see cref="TryReceive(ref ReadOnlySequence{byte}, out ProtocolEvent)"/> over one contiguous
    /// buffer, for tests and simple transports. <paramref name="consumed"/> counts the bytes used; feed the rest
    /// again, with more bytes appended, on the next call.
    /// </summary>
    public bool TryReceive(Memory<byte> buffer, out int consumed, out ProtocolEvent ev)
    {
        var sequence = new ReadOnlySequence<byte>(buffer);
        bool produced = TryReceive(ref sequence, out ev);
        consumed = buffer.Length - (int)sequence.Length;
        return produced;
    }

    private const string InvalidUtf8Reason = "A text message is not valid UTF-8 (RFC 6455 §8.1).";
    private const string UnfinishedUtf8Reason = "A text message ends in the middle of a UTF-8 sequence (RFC 6455 §8.1).";

    private ProtocolError? CheckHeader(in FrameHeader header)
    {
        Opcode opcode = header.Opcode;
        bool firstOfMessage = opcode is Opcode.Text or Opcode.Binary;
        ReservedBits bits = header.ReservedBits;
        // RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated that defines meanings for non-zero
        // values. If a nonzero value is received and none of the negotiated extensions defines the meaning of such
        // a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_."
        if ((bits & ~_allowedReservedBits) != 0 || (bits != ReservedBits.None && !firstOfMessage))
        {
            return new(CloseCode.ProtocolError, $"Reserved bits {bits} are set on a {DescribeOpcode(opcode)} frame and no negotiated extension allows them there (RFC 6455 §5.2).") { Rule = ProtocolErrorCode.ReservedBits };
        }
        // RFC 6455 §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
        if (opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
        {
            return new(CloseCode.ProtocolError, $"Opcode 0x{(byte)opcode:X} is reserved (RFC 6455 §5.2).") { Rule = ProtocolErrorCode.ReservedOpcode };
        }
        // RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that is not masked" and "A client
        // MUST close a connection if it detects a masked frame."
        if (header.IsMasked == _isClient)
        {
            return new(CloseCode.ProtocolError, _isClient
                ? "The server sent a masked frame; servers never mask (RFC 6455 §5.1)."
                : "The client sent an unmasked frame; clients mask every frame (RFC 6455 §5.1).")
            {
                Rule = _isClient ? ProtocolErrorCode.MaskedFrameFromServer : ProtocolErrorCode.UnmaskedFrameFromClient,
            };
        }
        if (header.IsControl)
        {
            // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
            if (!header.Fin)
            {
                return new(CloseCode.ProtocolError, $"A {DescribeOpcode(opcode)} frame is fragmented; control frames MUST NOT be (RFC 6455 §5.5).") { Rule = ProtocolErrorCode.FragmentedControlFrame };
            }
            if (header.PayloadLength > FrameHeader.MaxControlPayload)
            {
                return new(CloseCode.ProtocolError, $"A {DescribeOpcode(opcode)} frame carries {header.PayloadLength} bytes; control frames carry at most 125 (RFC 6455 §5.5).") { Rule = ProtocolErrorCode.ControlFrameTooLong };
            }
            return null;
        }
        // RFC 6455 §5.4: a fragmented message is "a single frame with the FIN bit clear and an opcode other than 0,
        // followed by zero or more frames with the FIN bit clear and the opcode set to 0, and terminated by a single
        // frame with the FIN bit set and an opcode of 0". Anything else is out of order.
        if (opcode == Opcode.Continuation && !_inMessage)
        {
            return new(CloseCode.ProtocolError, "A continuation frame arrived with no message in progress (RFC 6455 §5.4).") { Rule = ProtocolErrorCode.UnexpectedContinuation };
        }
        if (opcode != Opcode.Continuation && _inMessage)
        {
            return new(CloseCode.ProtocolError, $"A new {DescribeOpcode(opcode)} message began before the previous message was finished (RFC 6455 §5.4).") { Rule = ProtocolErrorCode.UnfinishedMessage };
        }
        // RFC 6455 §10.4: "implementations will likely want to impose implementation-specific limits on frame size
        // and total message size", failing with 1009 (§7.4.1) when a frame or message is too big to process.
        if (header.PayloadLength > _options.MaxFrameSize)
        {
            return new(CloseCode.MessageTooBig, $"A frame of {header.PayloadLength} bytes exceeds MaxFrameSize ({_options.MaxFrameSize}) (RFC 6455 §10.4).") { Rule = ProtocolErrorCode.FrameTooBig };
        }
        long soFar = opcode == Opcode.Continuation ? _messageLength : 0;
        if (header.PayloadLength > _options.MaxMessageSize - soFar)
        {
            return new(CloseCode.MessageTooBig, $"A message of at least {soFar + header.PayloadLength} bytes exceeds MaxMessageSize ({_options.MaxMessageSize}) (RFC 6455 §10.4).") { Rule = ProtocolErrorCode.MessageTooBig };
        }
        return null;
    }

    private static string DescribeOpcode(Opcode opcode) => opcode switch
    {
        Opcode.Continuation => "continuation",
        Opcode.Text => "text",
        Opcode.Binary => "binary",
        Opcode.Close => "close",
        Opcode.Ping => "ping",
        Opcode.Pong => "pong",
        _ => $"0x{(byte)opcode:X}",
    };

    private void StartDataFrame(in FrameHeader header)
    {
        if (header.Opcode != Opcode.Continuation)
        {
            _inMessage = true;
            _messageType = (WebSocketMessageKind)header.Opcode;
            _messageBits = header.ReservedBits;
            _messageLength = 0;
            _messageCount = 0;
            // A message transformed by an extension (RSV bit set) is validated after decoding: permessage-deflate's stage
            // validates the inflated text with this same validator; another extension's message is left to it.
            _validateUtf8 = _messageType == WebSocketMessageKind.Text && _messageBits == ReservedBits.None;
            _utf8.Reset();
        }
        _messageLength += header.PayloadLength;
        _inFrame = true;
        _frameFin = header.Fin;
        _frameMasked = header.IsMasked;
        _frameKey = header.MaskKey;
        _keyOffset = 0;
        _frameRemaining = header.PayloadLength;
    }

    private void Unmask(in ReadOnlySequence<byte> payload)
    {
        if (!_frameMasked)
        {
            return;
        }
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            // The transport's buffer is writable; unmasking in place saves a copy of every byte received.
            _keyOffset = FrameMask.Apply(MemoryMarshal.AsMemory(segment).Span, _frameKey, _keyOffset);
        }
    }

    private bool ValidateUtf8(in ReadOnlySequence<byte> payload)
    {
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            if (!_utf8.Validate(segment.Span))
            {
                return false;
            }
        }
        return true;
    }

    private void Append(in ReadOnlySequence<byte> chunk)
    {
        int needed = _messageCount + (int)chunk.Length;
        if (_messageBuffer is null || _messageBuffer.Length < needed)
        {
            // Grow by doubling, never beyond what the limit allows (CheckHeader has already bounded `needed`).
            long cap = Math.Min(_options.MaxMessageSize, Array.MaxLength);
            int size = (int)Math.Min(Math.Max(needed, Math.Max(4096, 2L * (_messageBuffer?.Length ?? 0))), Math.Max(cap, needed));
            byte[] larger = ArrayPool<byte>.Shared.Rent(size);
            if (_messageBuffer is not null)
            {
                _messageBuffer.AsSpan(0, _messageCount).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_messageBuffer);
            }
            _messageBuffer = larger;
        }
        chunk.CopyTo(_messageBuffer.AsSpan(_messageCount));
        _messageCount = needed;
    }

    private bool HandleControl(Opcode opcode, int length, ref ReadOnlySequence<byte> buffer, out ProtocolEvent ev)
    {
        var payload = new ReadOnlySequence<byte>(ControlPayload, 0, length);
        switch (opcode)
        {
            case Opcode.Ping:
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response
                // ... The Pong frame sent in response to a Ping frame must have identical Application data".
                // Once our close is out nothing follows it, not even a pong: the connection is going away anyway.
                if (_options.AutoPong && !_closeSent)
                {
                    QueuePong(ControlPayload.AsSpan(0, length));
                }
                if (_options.SurfacePings || !_options.AutoPong)
                {
                    ev = new ProtocolEvent(ProtocolEventKind.Ping, payload);
                    return true;
                }
                ev = default;
                return false;
            case Opcode.Pong:
                // RFC 6455 §5.5.3: "A Pong frame MAY be sent unsolicited ... A response to an unsolicited Pong frame is
                // not expected." Delivered so that keep-alive logic can see it.
                ev = new ProtocolEvent(ProtocolEventKind.Pong, payload);
                return true;
            default:
                return HandleClose(length, ref buffer, out ev);
        }
    }

    private bool HandleClose(int length, ref ReadOnlySequence<byte> buffer, out ProtocolEvent ev)
    {
        CloseCode code;
        string reason;
        ReadOnlySequence<byte> reasonBytes;
        if (length == 0)
        {
            // RFC 6455 §7.1.5: "If this Close control frame contains no status code, _The WebSocket Connection Close
            // Code_ is considered to be 1005."
            code = CloseCode.NoStatusReceived;
            reason = "";
            reasonBytes = ReadOnlySequence<byte>.Empty;
        }
        else
        {
            // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer
            // ... representing a status code".
            if (length == 1)
            {
                ev = Fail(ref buffer, CloseCode.ProtocolError, "A close frame carries 1 byte; its body is empty or starts with a 2-byte status code (RFC 6455 §5.5.1).",
                    ProtocolErrorCode.InvalidCloseFrame);
                return true;
            }
            int value = BinaryPrimitives.ReadUInt16BigEndian(ControlPayload);
            // RFC 6455 §7.4: only codes defined in §7.4.1 (minus 1004-1006 and 1015, which "MUST NOT be set as a status
            // code in a Close control frame") and the registered/private ranges 3000-4999 may be sent.
            if (!CloseCodeRules.IsValidOnTheWire(value))
            {
                ev = Fail(ref buffer, CloseCode.ProtocolError, $"Close code {value} may not be sent in a close frame (RFC 6455 §7.4).", ProtocolErrorCode.BadCloseCode);
                return true;
            }
            ReadOnlySpan<byte> text = ControlPayload.AsSpan(2, length - 2);
            // RFC 6455 §5.5.1: the body after the code "MAY contain UTF-8-encoded data", and §8.1 makes invalid
            // UTF-8 there a failure like in a text message.
            if (!Utf8Validator.IsValid(text))
            {
                ev = Fail(ref buffer, CloseCode.InvalidPayloadData, "The reason in a close frame is not valid UTF-8 (RFC 6455 §5.5.1, §8.1).", ProtocolErrorCode.InvalidUtf8);
                return true;
            }
            code = (CloseCode)value;
            reason = Encoding.UTF8.GetString(text);
            reasonBytes = new ReadOnlySequence<byte>(ControlPayload, 2, length - 2);
        }
        _closeReceived = true;
        _closeStatus = code;
        _closeReason = reason;
        // RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did not previously send a Close frame, the
        // endpoint MUST send a Close frame in response. ... it typically echos the status code it received."
        if (!_closeSent)
        {
            QueueClose(length == 0 ? null : code, default);
        }
        ev = new ProtocolEvent(ProtocolEventKind.Close, reasonBytes, closeStatus: code, closeReason: reason);
        return true;
    }

    private ProtocolEvent Fail(ref ReadOnlySequence<byte> buffer, CloseCode code, string reason, ProtocolErrorCode rule) =>
        Fail(ref buffer, new ProtocolError(code, reason) { Rule = rule }, default);

    /// <summary>Fails the connection with <paramref name="error"/>, adding the evidence: the frame's offset and, when given, its header bytes.</summary>
    private ProtocolEvent Fail(ref ReadOnlySequence<byte> buffer, ProtocolError error, ReadOnlySequence<byte> header)
    {
        _error = new StrongBox<ProtocolError>(error with { FrameOffset = _frameOffset, FrameHeader = header.IsEmpty ? default : header.ToArray() });
        (CloseCode code, string reason) = (error.Code, error.Reason);
        // RFC 6455 §7.1.7: "If _The WebSocket Connection is Established_ prior to the point where the endpoint is
        // required to _Fail the WebSocket Connection_, the endpoint SHOULD send a Close frame with an appropriate
        // status code before proceeding to _Close the WebSocket Connection_."
        if (!_closeSent && !_closeQueued)
        {
            QueueClose(code, reason);
        }
        _failed = true;
        _closeStatus = code;
        _closeReason = reason;
        _inFrame = false;
        _inMessage = false;
        buffer = buffer.Slice(buffer.End);
        return new ProtocolEvent(ProtocolEventKind.Error, ReadOnlySequence<byte>.Empty, closeStatus: code, closeReason: reason);
    }
}
