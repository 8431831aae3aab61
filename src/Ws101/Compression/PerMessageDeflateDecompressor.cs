using System.Buffers;
using System.IO.Compression;

namespace Ws101.Compression;

/// <summary>
/// The receiving half of permessage-deflate (RFC 7692 §7.2.2): inflates a message, whole or chunk by chunk, appending
/// the <c>00 00 ff ff</c> tail at its end, and counts every inflated byte against a limit as it is produced, so that a
/// small compressed message cannot expand into unbounded memory (a "decompression bomb"). Not thread-safe.
/// </summary>
internal sealed class PerMessageDeflateDecompressor : IDisposable
{
    private const int InitialBuffer = 4096;

    private readonly DeflateInput _input = new();
    private readonly bool _noContextTakeover;
    private readonly long _maxMessageSize;
    private DeflateStream? _inflate;
    private byte[] _buffer = [];

    /// <summary>The size of the buffer inflated payloads are delivered from (0 once trimmed); for diagnostics.</summary>
    internal int BufferLength => _buffer.Length;
    private long _messageLength;

    /// <summary>Creates a decompressor.</summary>
    /// <param name="maxMessageSize">The most bytes one message may inflate to; one more fails it.</param>
    /// <param name="noContextTakeover">The peer resets its context after every message, so ours is dropped too (freeing it).</param>
    public PerMessageDeflateDecompressor(long maxMessageSize, bool noContextTakeover = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        _maxMessageSize = maxMessageSize;
        _noContextTakeover = noContextTakeover;
    }

    /// <summary>Whether a decompression context (about 30 KiB of native memory) is held right now.</summary>
    public bool HoldsContext => _inflate is not null;

    /// <summary>
    /// Inflates <paramref name="compressed"/>, a whole message or its next chunk (<paramref name="endOfMessage"/> on the
    /// last), into a buffer of the decompressor's, returned in <paramref name="inflated"/> and valid until the next call.
    /// </summary>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.DestinationTooSmall"/> when the message inflates
    /// beyond the limit (inflation stops one byte past it; close with 1009); <see cref="OperationStatus.InvalidData"/>
    /// when the data is not valid deflate (close with 1007).
    /// </returns>
    public OperationStatus Decompress(in ReadOnlySequence<byte> compressed, bool endOfMessage, out ReadOnlyMemory<byte> inflated)
    {
        var status = DecompressCore(compressed, endOfMessage, out inflated);
        if (status == OperationStatus.Done && inflated.IsEmpty && endOfMessage && _lastWasWhole && compressed.Length > 1)
        {
            // A whole message of real data that gave nothing: the previous message ended the deflate stream with a final
            // block (BFINAL, RFC 7692 §7.2.3.3), after which the runtime's inflater reads nothing more. The sender began
            // a new stream, so we do too, and read the message again.
            _inflate?.Dispose();
            _inflate = null;
            status = DecompressCore(compressed, endOfMessage, out inflated);
        }
        return status;
    }

    private bool _lastWasWhole;

    private OperationStatus DecompressCore(in ReadOnlySequence<byte> compressed, bool endOfMessage, out ReadOnlyMemory<byte> inflated)
    {
        inflated = default;
        _lastWasWhole = _messageLength == 0;
        // RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message.
        // Decompress the resulting data using DEFLATE."
        _input.Set(compressed, endOfMessage);
        _inflate ??= new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        int count = 0;
        try
        {
            while (true)
            {
                long allowed = Math.Min(_maxMessageSize - _messageLength - count, int.MaxValue - 1);
                if (count == _buffer.Length)
                {
                    // Grow by doubling, never beyond the limit (plus the one byte that proves it exceeded).
                    long want = Math.Min(Math.Max(InitialBuffer, (long)_buffer.Length * 2), count + allowed + 1);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(want, Array.MaxLength));
                    _buffer.AsSpan(0, count).CopyTo(bigger);
                    ReturnBuffer();
                    _buffer = bigger;
                }
                // Ask for at most one byte beyond the limit: a bomb is stopped there, never inflated in full.
                int ask = (int)Math.Min(_buffer.Length - count, allowed + 1);
                int n = _inflate.Read(_buffer.AsSpan(count, ask));
                if (n == 0)
                {
                    break;
                }
                count += n;
                if (_messageLength + count > _maxMessageSize)
                {
                    EndMessage(failed: true);
                    return OperationStatus.DestinationTooSmall;
                }
            }
        }
        catch (InvalidDataException)
        {
            EndMessage(failed: true);
            return OperationStatus.InvalidData;
        }
        if (_input.HasRemaining)
        {
            // The deflate stream ended with a final block (BFINAL) before all the input was read: the sender closed its
            // stream, so the next message starts a new one; start a fresh context for it.
            _inflate.Dispose();
            _inflate = null;
        }
        _input.Clear();
        _messageLength += count;
        if (endOfMessage)
        {
            EndMessage(failed: false);
        }
        inflated = _buffer.AsMemory(0, count);
        return OperationStatus.Done;
    }

    /// <summary>Gives the output buffer back to the pool (call when the last inflated bytes are no longer used).</summary>
    public void Trim()
    {
        if (_messageLength == 0)
        {
            ReturnBuffer();
            _buffer = [];
        }
    }

    private void EndMessage(bool failed)
    {
        _messageLength = 0;
        _input.Clear();
        // RFC 7692 §7.1.1.1/§7.1.1.2: when the peer starts every message with an empty window, our context is not needed
        // between messages; after a failure the connection is closing, so it is freed too.
        if (_noContextTakeover || failed)
        {
            _inflate?.Dispose();
            _inflate = null;
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }

    /// <summary>Frees the context and the buffer.</summary>
    public void Dispose()
    {
        _inflate?.Dispose();
        _inflate = null;
        ReturnBuffer();
        _buffer = [];
    }
}
