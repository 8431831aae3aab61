using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using Ws101.Compression;

namespace Ws101.Protocol;

public sealed partial class WebSocketConnectionCore
{
    // The outgoing message being streamed with WriteFragment.
    private bool _sendingMessage;
    private WebSocketMessageKind _sendingType;

    /// <summary>True when automatic replies (pongs, the close reply, a failure's close frame) wait to be written.</summary>
    public bool HasPendingOutput => PendingCount > 0;

    /// <summary>
    /// Writes the pending output into <paramref name="output"/> and returns how many bytes that was. A close frame
    /// among them counts as sent from here on (the state moves on from <see cref="ConnectionState.CloseReceived"/>).
    /// </summary>
    public int WritePendingOutput(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int count = PendingCount;
        if (count == 0)
        {
            return 0;
        }
        output.Write(Pending.WrittenSpan);
        Pending.ResetWrittenCount();
        if (_closeQueued)
        {
            _closeQueued = false;
            _closeSent = true;
        }
        return count;
    }

    /// <summary>Writes a whole message as one frame (compressed as the options say, when permessage-deflate is in use).</summary>
    /// <exception cref="InvalidOperationException">The connection is not <see cref="ConnectionState.Open"/>, or a streamed message is unfinished.</exception>
    public void WriteMessage(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload) =>
        WriteMessage(output, type, payload, ReservedBits.None);

    /// <summary>Writes a whole message as one frame with the reserved bits an extension of the library sets.</summary>
    internal void WriteMessage(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, ReservedBits reservedBits)
    {
        EnsureNotStreaming();
        WriteData(output, type, payload, endOfMessage: true, reservedBits, MessageCompression.Auto);
    }

    /// <summary>Writes a whole message as one frame, choosing whether it is compressed (when permessage-deflate is in use).</summary>
    /// <exception cref="InvalidOperationException">The connection is not <see cref="ConnectionState.Open"/>, or a streamed message is unfinished.</exception>
    public void WriteMessage(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, MessageCompression compression)
    {
        EnsureNotStreaming();
        WriteData(output, type, payload, endOfMessage: true, ReservedBits.None, compression);
    }

    /// <summary>
    /// Writes one frame of a streamed message (§5.4): the first call sends a <paramref name="type"/> frame, the
    /// following ones continuation frames, and the one with <paramref name="endOfMessage"/> true ends the message.
    /// Control frames (ping, pong, close) may be written between fragments. With permessage-deflate, the first part
    /// decides whether the whole message is compressed (as the options say for a message of unknown length).
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not open, or <paramref name="type"/> differs from the message in progress.</exception>
    public void WriteFragment(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, bool endOfMessage) =>
        WriteFragment(output, type, payload, endOfMessage, ReservedBits.None);

    /// <summary>Writes one frame of a streamed message with the reserved bits an extension of the library sets.</summary>
    /// <exception cref="ArgumentException"><paramref name="reservedBits"/> are not allowed by the options, or set on a continuation.</exception>
    internal void WriteFragment(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, bool endOfMessage,
        ReservedBits reservedBits) =>
        WriteData(output, type, payload, endOfMessage, reservedBits, MessageCompression.Auto);

    /// <summary>
    /// Writes one frame of a streamed message (see <see cref="WriteFragment(IBufferWriter{byte}, WebSocketMessageKind, ReadOnlySpan{byte}, bool)"/>),
    /// choosing whether the message is compressed; only the first part's choice counts.
    /// </summary>
    public void WriteFragment(IBufferWriter<byte> output, WebSocketMessageKind type, ReadOnlySpan<byte> payload, bool endOfMessage, MessageCompression compression) =>
        WriteData(output, type, payload, endOfMessage, ReservedBits.None, compression);

    /// <summary>
    /// Writes <paramref name="text"/> as a whole text message, encoding it to UTF-8 straight into the output (which must
    /// offer one contiguous span of the encoded size; for very large texts encode yourself and use <see cref="WriteFragment(IBufferWriter{byte}, WebSocketMessageKind, ReadOnlySpan{byte}, bool)"/>).
    /// Unpaired surrogates become U+FFFD, so the payload is always valid UTF-8.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not open, or a streamed message is unfinished.</exception>
    public void WriteText(IBufferWriter<byte> output, ReadOnlySpan<char> text) => WriteText(output, text, MessageCompression.Auto);

    /// <summary>Writes a whole text message (see <see cref="WriteText(IBufferWriter{byte}, ReadOnlySpan{char})"/>), choosing whether it is compressed.</summary>
    public void WriteText(IBufferWriter<byte> output, ReadOnlySpan<char> text, MessageCompression compression)
    {
        ArgumentNullException.ThrowIfNull(output);
        EnsureOpen("data frame");
        EnsureNotStreaming();
        int length = Encoding.UTF8.GetByteCount(text);
        if (TryWriteDeflatedText(output, text, length, compression))
        {
            return;
        }
        uint key = _keys?.Next() ?? 0;
        var header = new FrameHeader(true, Opcode.Text, length, _isClient, key);
        int headerLength = header.Length;
        Span<byte> span = output.GetSpan(headerLength + length);
        header.TryWrite(span, out _);
        Span<byte> payload = span.Slice(headerLength, length);
        Encoding.UTF8.GetBytes(text, payload);
        if (_isClient)
        {
            FrameMask.Apply(payload, key, 0);
        }
        output.Advance(headerLength + length);
    }

    private void EnsureNotStreaming()
    {
        // RFC 6455 §5.4: "the fragments of one message MUST NOT be interleaved between the fragments of another message".
        if (_sendingMessage)
        {
            throw new InvalidOperationException("A streamed message is unfinished; end it with WriteFragment(endOfMessage: true) first (RFC 6455 §5.4 forbids interleaving messages).");
        }
    }

    /// <summary>Writes a ping (§5.5.2) with up to 125 bytes of application data; the peer answers with a pong carrying the same.</summary>
    public void WritePing(IBufferWriter<byte> output, ReadOnlySpan<byte> payload = default) => WriteControl(output, Opcode.Ping, payload);

    /// <summary>
    /// Writes a pong (§5.5.3): as a reply, when <see cref="ProtocolOptions.AutoPong"/> is off, with the ping's data;
    /// or unsolicited, as a one-way heartbeat.
    /// </summary>
    public void WritePong(IBufferWriter<byte> output, ReadOnlySpan<byte> payload = default) => WriteControl(output, Opcode.Pong, payload);

    /// <summary>
    /// Starts the closing handshake (§7.1.2): writes any pending output, then a close frame with <paramref name="code"/>
    /// and <paramref name="reason"/>. Afterwards no frame may be sent, and the state is <see cref="ConnectionState.CloseSent"/>
    /// until the peer's close arrives. Returns false, writing nothing, when a close frame was already sent or queued,
    /// or the connection already ended.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> may not be sent (see <see cref="CloseCodeRules"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is longer than 123 bytes of UTF-8.</exception>
    public bool WriteClose(IBufferWriter<byte> output, CloseCode code = CloseCode.NormalClosure, ReadOnlySpan<char> reason = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        CloseCodeRules.EnsureSendable(code, reason);
        if (State != ConnectionState.Open)
        {
            return false;
        }
        WritePendingOutput(output);
        WriteCloseFrame(output, code, reason);
        _closeSent = true;
        return true;
    }

    private void EnsureOpen(string what)
    {
        // RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
        if (State != ConnectionState.Open)
        {
            throw new InvalidOperationException(State == ConnectionState.Closed
                ? $"The connection is closed ({(int?)_closeStatus} {_closeReason}); no {what} can be sent."
                : $"The closing handshake has begun (state {State}); no {what} may be sent after a close frame (RFC 6455 §5.5.1).");
        }
    }

    private void WriteControl(IBufferWriter<byte> output, Opcode opcode, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (payload.Length > FrameHeader.MaxControlPayload)
        {
            throw new ArgumentException($"A control frame carries at most {FrameHeader.MaxControlPayload} bytes (RFC 6455 §5.5).", nameof(payload));
        }
        EnsureOpen(opcode == Opcode.Ping ? "ping" : "pong");
        WriteFrame(output, true, opcode, ReservedBits.None, payload);
    }

    private void QueuePong(ReadOnlySpan<byte> payload)
    {
        int size = FrameHeader.GetLength(payload.Length, _isClient) + payload.Length;
        // RFC 6455 §5.5.3: "If an endpoint receives a Ping frame and has not yet sent Pong frame(s) in response to
        // previous Ping frame(s), the endpoint MAY elect to send a Pong frame for only the most recently processed
        // Ping frame." Only pongs are pending while the connection is open, so dropping them all is safe.
        if (PendingCount > 0 && PendingCount + size > _options.MaxPendingPongBytes)
        {
            Pending.ResetWrittenCount();
        }
        WriteFrame(Pending, true, Opcode.Pong, ReservedBits.None, payload);
    }

    private void QueueClose(CloseCode? code, ReadOnlySpan<char> reason)
    {
        if (code is { } c)
        {
            WriteCloseFrame(Pending, c, reason);
        }
        else
        {
            WriteFrame(Pending, true, Opcode.Close, ReservedBits.None, default);
        }
        _closeQueued = true;
    }

    private void WriteCloseFrame(IBufferWriter<byte> output, CloseCode code, ReadOnlySpan<char> reason)
    {
        Span<byte> body = stackalloc byte[FrameHeader.MaxControlPayload];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        // Whole code points only: a reason longer than the frame holds (only our own failure reasons can be) is cut
        // where the UTF-8 stays valid, since the peer validates it (§8.1).
        Utf8.FromUtf16(reason, body[2..], out _, out int n);
        WriteFrame(output, true, Opcode.Close, ReservedBits.None, body[..(2 + n)]);
    }

    private void WriteFrame(IBufferWriter<byte> output, bool fin, Opcode opcode, ReservedBits bits, ReadOnlySpan<byte> payload)
    {
        // RFC 6455 §5.3: a client masks every frame with "a new masking key ... for each frame"; a server never masks.
        uint key = _keys?.Next() ?? 0;
        var header = new FrameHeader(fin, opcode, payload.Length, _isClient, key, bits);
        int headerLength = header.Length;
        Span<byte> span = output.GetSpan(headerLength);
        header.TryWrite(span, out _);
        if (payload.Length <= span.Length - headerLength)
        {
            // Small frames: header and payload in one contiguous span.
            Span<byte> destination = span.Slice(headerLength, payload.Length);
            payload.CopyTo(destination);
            if (_isClient)
            {
                FrameMask.Apply(destination, key, 0);
            }
            output.Advance(headerLength + payload.Length);
            return;
        }
        output.Advance(headerLength);
        int keyOffset = 0;
        while (!payload.IsEmpty)
        {
            Span<byte> destination = output.GetSpan();
            int n = Math.Min(destination.Length, payload.Length);
            destination = destination[..n];
            payload[..n].CopyTo(destination);
            if (_isClient)
            {
                keyOffset = FrameMask.Apply(destination, key, keyOffset);
            }
            output.Advance(n);
            payload = payload[n..];
        }
    }
}
