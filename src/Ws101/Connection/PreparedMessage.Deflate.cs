using System.Buffers;
using System.IO.Compression;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101;

// Compress once: the same message deflated once (RFC 7692), for every connection whose agreement lets the server
// compress each message on its own (server_no_context_takeover), so that a fan-out to many permessage-deflate
// subscribers costs one compression instead of one per subscriber.
public sealed partial class PreparedMessage
{
    // The deflated frame (RSV1 set), once made; Empty when deflating does not make the message smaller.
    private byte[]? _deflated;
    private int _deflatedLength = -1;

    /// <summary>
    /// The message deflated (RFC 7692 §7.2.1) with a fresh context and framed with RSV1, made on the first call and kept
    /// with the message; null when deflating does not make it smaller. Its back-references stay within the message, so
    /// any connection whose server side resets its context per message (server_no_context_takeover) can send it; one
    /// whose window is below 15 bits only when the payload is no longer than the window. Valid while a reference is held.
    /// </summary>
    internal ReadOnlyMemory<byte>? DeflatedFrame
    {
        get
        {
            int length = Volatile.Read(ref _deflatedLength);
            if (length < 0)
            {
                length = Deflate();
            }
            return length == 0 || _deflated is not { } frame ? null : frame.AsMemory(0, length);
        }
    }

    private int Deflate()
    {
        using var compressor = new PerMessageDeflateCompressor(CompressionLevel.Fastest, noContextTakeover: true);
        var deflated = compressor.Compress(Payload.Span, endOfMessage: true);
        int length = 0;
        byte[]? frame = null;
        if (deflated.Length < PayloadLength)
        {
            // RFC 7692 §6: "the first fragment of a message [...] with the RSV1 bit set", here the only frame.
            var header = new FrameHeader(true, Kind == WebSocketMessageKind.Text ? Opcode.Text : Opcode.Binary, deflated.Length, reservedBits: ReservedBits.Rsv1);
            frame = ArrayPool<byte>.Shared.Rent(header.Length + deflated.Length);
            header.TryWrite(frame, out int written);
            deflated.CopyTo(frame.AsSpan(written));
            length = written + deflated.Length;
        }
        // Two drains may deflate at once: the first to finish wins, the other gives its bytes back.
        if (Interlocked.CompareExchange(ref _deflated, frame ?? [], null) is not null)
        {
            if (frame is not null)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
            return Volatile.Read(ref _deflatedLength) is >= 0 and int done ? done : SpinForLength();
        }
        Volatile.Write(ref _deflatedLength, length);
        Ws101Metrics.TopicDeflations.Add(1);
        return length;
    }

    private int SpinForLength()
    {
        var wait = new SpinWait();
        int length;
        while ((length = Volatile.Read(ref _deflatedLength)) < 0)
        {
            wait.SpinOnce();
        }
        return length;
    }

    private void ReleaseDeflated()
    {
        if (Interlocked.Exchange(ref _deflated, null) is { Length: > 0 } frame)
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
