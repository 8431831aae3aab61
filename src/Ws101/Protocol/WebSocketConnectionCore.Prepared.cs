using System.Buffers;

namespace Ws101.Protocol;

public sealed partial class WebSocketConnectionCore
{
    /// <summary>True while a streamed message (<c>WriteFragment</c> with endOfMessage false) is unfinished.</summary>
    public bool IsSendingStreamedMessage => _sendingMessage;

    /// <summary>
    /// Writes a whole data message that was framed elsewhere (for example once for many connections, as
    /// topics do): <paramref name="frame"/> must be one final, unmasked text or binary frame,
    /// header included. The core checks that it may be sent now, as for any other data frame.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The connection is not open, a streamed message is unfinished, or this is a client (RFC 6455 §5.3: a client masks every frame with a fresh key).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="frame"/> is not one whole unmasked data frame.</exception>
    public void WritePrepared(IBufferWriter<byte> output, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(output);
        EnsureOpen("data frame");
        if (_isClient)
        {
            throw new InvalidOperationException("A client masks each frame with its own key (RFC 6455 §5.3); a prepared (shared, unmasked) frame can only be sent by a server.");
        }
        if (_sendingMessage)
        {
            throw new InvalidOperationException("A streamed message is unfinished; a whole message cannot be sent between its fragments (RFC 6455 §5.4).");
        }
        if (FrameHeader.TryParse(frame, out var header, out int headerLength) != OperationStatus.Done
            || !header.Fin || header.IsMasked || header.Opcode is not (Opcode.Text or Opcode.Binary)
            || header.PayloadLength != frame.Length - headerLength
            || (header.ReservedBits & ~_allowedReservedBits) != 0)
        {
            throw new ArgumentException("A prepared frame is one final, unmasked text or binary frame whose length matches its header.", nameof(frame));
        }
        output.Write(frame);
    }
}
