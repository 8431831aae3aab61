using System.IO.Compression;

namespace Ws101.Compression;

/// <summary>
/// The sending half of permessage-deflate (RFC 7692 §7.2.1): compresses a message, or the parts of a streamed one,
/// with the runtime's zlib (raw deflate, 15-bit window), ending each part with a sync flush and removing the
/// <c>00 00 ff ff</c> tail from the end of the message. Keeps or resets the compression context as negotiated.
/// Not thread-safe: one message at a time.
/// </summary>
internal sealed class PerMessageDeflateCompressor : IDisposable
{
    private readonly DeflateOutput _output = new();
    private readonly CompressionLevel _level;
    private readonly bool _noContextTakeover;
    private readonly int _maxWindowBits;
    private DeflateStream? _deflate;
    private bool _inMessage;

    /// <summary>Creates a compressor.</summary>
    /// <param name="level">The zlib level.</param>
    /// <param name="noContextTakeover">Reset the context after every message (this side's <c>*_no_context_takeover</c>).</param>
    /// <param name="maxWindowBits">
    /// The window the peer allows this side (8-15). Below 15 the runtime cannot shrink its window, so a message is
    /// compressed only if it is at most 2^bits bytes long and always with a fresh context; see <see cref="CanCompress"/>.
    /// </param>
    public PerMessageDeflateCompressor(CompressionLevel level = CompressionLevel.Fastest, bool noContextTakeover = false,
        int maxWindowBits = PerMessageDeflateParameters.MaxWindowBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindowBits, PerMessageDeflateParameters.MinWindowBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxWindowBits, PerMessageDeflateParameters.MaxWindowBits);
        _level = level;
        _maxWindowBits = maxWindowBits;
        // With a window below the runtime's 15 bits, a message may only refer back within itself, so the context is reset.
        _noContextTakeover = noContextTakeover || maxWindowBits < PerMessageDeflateParameters.MaxWindowBits;
    }

    /// <summary>Whether a compression context (about 250 KiB of native memory) is held right now.</summary>
    public bool HoldsContext => _deflate is not null;

    /// <summary>
    /// Whether a message can be compressed within the negotiated window: always with a 15-bit window; with a smaller one
    /// only a whole message of at most 2^bits bytes (<paramref name="length"/>; null for a streamed message of unknown
    /// length), since every back-reference then stays within the window.
    /// </summary>
    public bool CanCompress(long? length) =>
        _maxWindowBits == PerMessageDeflateParameters.MaxWindowBits || (length is { } n && n <= 1L << _maxWindowBits);

    /// <summary>
    /// Compresses <paramref name="data"/>, a whole message or the next part of one, and returns the bytes to send,
    /// valid until the next call. The part that ends the message (<paramref name="endOfMessage"/>) has the
    /// <c>00 00 ff ff</c> tail removed (§7.2.1); earlier parts keep theirs, which is valid deflate data (§7.2.3.4).
    /// </summary>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> data, bool endOfMessage)
    {
        _output.Reset();
        _output.Discard = false;
        _deflate ??= new DeflateStream(_output, _level, leaveOpen: true);
        if (!data.IsEmpty)
        {
            _deflate.Write(data);
            // RFC 7692 §7.2.1: "Compress all the octets of the payload of the message using DEFLATE." [...] the block
            // ends with an empty stored block: DeflateStream.Flush is zlib's Z_SYNC_FLUSH, which ends on 00 00 ff ff.
            _deflate.Flush();
        }
        int count = _output.Count;
        if (endOfMessage)
        {
            ReadOnlySpan<byte> written = _output.Written;
            // RFC 7692 §7.2.1: "If the resulting data does not end with an empty DEFLATE block with no compression (the
            // "BTYPE" bits are set to 00), append an empty DEFLATE block with no compression to the tail end. Remove 4
            // octets (that are 0x00 0x00 0xff 0xff) from the tail end."
            if (count >= 4 && written[count - 4] == 0 && written[count - 3] == 0 && written[count - 2] == 0xff && written[count - 1] == 0xff)
            {
                count -= 4;
            }
            if (count == 0 && !_inMessage)
            {
                // RFC 7692 §7.2.3.6: an empty message compressed is "a single 0x00 octet" (an empty final-less stored block).
                _output.Count = 0;
                _output.Write([0x00]);
                count = 1;
            }
            _inMessage = false;
            if (_noContextTakeover)
            {
                // RFC 7692 §7.1.1.1: with no context takeover the sender "MUST start compressing each new message with an
                // empty LZ77 sliding window"; the context is dropped, so nothing is held between messages.
                ResetContext();
            }
        }
        else
        {
            _inMessage = true;
        }
        _output.Count = count;
        return _output.Written;
    }

    /// <summary>Frees the compression context and the output buffer (after the returned bytes were used).</summary>
    public void Trim()
    {
        if (_noContextTakeover && !_inMessage)
        {
            ResetContext();
        }
        _output.Release();
    }

    private void ResetContext()
    {
        if (_deflate is { } d)
        {
            _deflate = null;
            int keep = _output.Count;
            _output.Discard = true;
            d.Dispose();
            _output.Discard = false;
            _output.Count = keep;
        }
    }

    /// <summary>Frees the context and the buffers.</summary>
    public void Dispose()
    {
        _output.Discard = true;
        _deflate?.Dispose();
        _deflate = null;
        _output.Release();
    }
}
