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
        if (CheckPreparedFrames(frame) != 1)
        {
            throw new ArgumentException("A prepared frame is one final, unmasked text or binary frame whose length matches its header.", nameof(frame));
        }
        output.Write(frame);
    }

    /// <summary>
    /// Checks that <paramref name="frames"/>, one or more whole messages framed elsewhere and laid end to end, may be sent
    /// now, as <see cref="WritePrepared"/> does for one, so that the transport can write them from where they are without
    /// a copy. Returns how many frames there are.
    /// </summary>
    internal int CheckPreparedFrames(ReadOnlySpan<byte> frames)
    {
        EnsureOpen("data frame");
        if (_isClient)
        {
            throw new InvalidOperationException("A client masks each frame with its own key (RFC 6455 §5.3); a prepared (shared, unmasked) frame can only be sent by a server.");
        }
        if (_sendingMessage)
        {
            throw new InvalidOperationException("A streamed message is unfinished; a whole message cannot be sent between its fragments (RFC 6455 §5.4).");
        }
        int count = 0;
        do
        {
            // RFC 6455 §5.1: "A server MUST NOT mask any frames that it sends to the client"; each frame is a whole message.
            if (FrameHeader.TryParse(frames, out var header, out int headerLength) != OperationStatus.Done
                || !header.Fin || header.IsMasked || header.Opcode is not (Opcode.Text or Opcode.Binary)
                || header.PayloadLength > frames.Length - headerLength
                || (header.ReservedBits & ~_allowedReservedBits) != 0)
            {
                throw new ArgumentException("A prepared frame is one final, unmasked text or binary frame whose length matches its header.", nameof(frames));
            }
            frames = frames[(headerLength + (int)header.PayloadLength)..];
            count++;
        }
        while (!frames.IsEmpty);
        return count;
    }
}
