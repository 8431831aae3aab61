using System.Buffers;
using System.Buffers.Binary;

namespace Ws101.Protocol;

/// <summary>
/// The header of one frame (RFC 6455 §5.2): FIN, RSV1-3, opcode, mask bit, payload length in its 7-, 16- or 64-bit
/// form, and the masking key. This type only reads and writes the bits; the rules about which combinations are
/// allowed (control frames, masking per role, reserved bits and opcodes) are enforced by
/// <see cref="WebSocketConnectionCore"/>.
/// </summary>
internal readonly struct FrameHeader
{
    /// <summary>The longest header: 2 bytes, an 8-byte extended length and a 4-byte masking key.</summary>
    public const int MaxLength = 14;

    /// <summary>The largest payload of a control frame (§5.5).</summary>
    public const int MaxControlPayload = 125;

    /// <summary>Creates a header.</summary>
    /// <param name="fin">Whether this is the final fragment of its message.</param>
    /// <param name="opcode">The opcode; any 4-bit value can be represented, reserved ones included.</param>
    /// <param name="payloadLength">The payload length, 0 to <see cref="long.MaxValue"/>.</param>
    /// <param name="isMasked">Whether a masking key follows.</param>
    /// <param name="maskKey">The key (see <see cref="FrameMask.ReadKey"/>); ignored when not masked.</param>
    /// <param name="reservedBits">RSV1-3.</param>
    public FrameHeader(bool fin, Opcode opcode, long payloadLength, bool isMasked = false, uint maskKey = 0,
        ReservedBits reservedBits = ReservedBits.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        Fin = fin;
        Opcode = (Opcode)((byte)opcode & 0x0F);
        PayloadLength = payloadLength;
        IsMasked = isMasked;
        MaskKey = isMasked ? maskKey : 0;
        ReservedBits = reservedBits & (ReservedBits.Rsv1 | ReservedBits.Rsv2 | ReservedBits.Rsv3);
    }

    /// <summary>FIN: this is the final fragment of its message.</summary>
    public bool Fin { get; }

    /// <summary>RSV1-3 as received.</summary>
    public ReservedBits ReservedBits { get; }

    /// <summary>The opcode as received; may be a reserved value.</summary>
    public Opcode Opcode { get; }

    /// <summary>Whether the payload is masked.</summary>
    public bool IsMasked { get; }

    /// <summary>The masking key, in the form <see cref="FrameMask.Apply"/> takes; 0 when not masked.</summary>
    public uint MaskKey { get; }

    /// <summary>The payload length declared by the header.</summary>
    public long PayloadLength { get; }

    /// <summary>Whether the opcode is a control opcode (its high bit set, §5.5), reserved ones 0xB-0xF included.</summary>
    public bool IsControl => ((byte)Opcode & 0x08) != 0;

    /// <summary>How many bytes this header takes when written with the minimal length encoding.</summary>
    public int Length => GetLength(PayloadLength, IsMasked);

    /// <summary>
    /// The size of a header for a payload of <paramref name="payloadLength"/> bytes, using the minimal length
    /// encoding §5.2 requires: 7 bits up to 125, 16 bits up to 65535, 64 bits beyond.
    /// </summary>
    public static int GetLength(long payloadLength, bool isMasked) =>
        (payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (isMasked ? 4 : 0);

    /// <summary>
    /// Reads a header from the start of <paramref name="source"/>. Returns <see cref="OperationStatus.NeedMoreData"/>
    /// when the header is not complete yet, and <see cref="OperationStatus.InvalidData"/> when a 64-bit length has
    /// its most significant bit set (§5.2: "the most significant bit MUST be 0"). Longer-than-needed length
    /// encodings are accepted: the minimal-encoding rule binds the sender and costs the receiver nothing.
    /// </summary>
    public static OperationStatus TryParse(ReadOnlySpan<byte> source, out FrameHeader header, out int bytesConsumed)
    {
        header = default;
        bytesConsumed = 0;
        if (source.Length < 2)
        {
            return OperationStatus.NeedMoreData;
        }
        byte b0 = source[0];
        byte b1 = source[1];
        bool masked = (b1 & 0x80) != 0;
        int length7 = b1 & 0x7F;
        int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        int total = 2 + extended + (masked ? 4 : 0);
        if (source.Length < total)
        {
            return OperationStatus.NeedMoreData;
        }
        long payloadLength;
        if (extended == 0)
        {
            payloadLength = length7;
        }
        else if (extended == 2)
        {
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        }
        else
        {
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(source[2..]);
            // RFC 6455 §5.2: "the most significant bit MUST be 0" in the 64-bit length.
            if (length64 > long.MaxValue)
            {
                return OperationStatus.InvalidData;
            }
            payloadLength = (long)length64;
        }
        uint key = masked ? FrameMask.ReadKey(source.Slice(2 + extended, 4)) : 0;
        header = new FrameHeader((b0 & 0x80) != 0, (Opcode)(b0 & 0x0F), payloadLength, masked, key, (ReservedBits)(b0 & 0x70));
        bytesConsumed = total;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Reads a header from the start of <paramref name="source"/>, which may be split across any number of
    /// segments (as a <see cref="System.IO.Pipelines.PipeReader"/> hands them out). Same results as the span form.
    /// </summary>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> source, out FrameHeader header, out int bytesConsumed)
    {
        ReadOnlySpan<byte> first = source.FirstSpan;
        if (first.Length >= MaxLength || source.IsSingleSegment)
        {
            return TryParse(first, out header, out bytesConsumed);
        }
        Span<byte> copy = stackalloc byte[MaxLength];
        int n = (int)Math.Min(source.Length, MaxLength);
        source.Slice(0, n).CopyTo(copy);
        return TryParse(copy[..n], out header, out bytesConsumed);
    }

    /// <summary>
    /// Writes this header with the minimal length encoding into <paramref name="destination"/>; returns false
    /// (writing nothing useful) when it holds fewer than <see cref="Length"/> bytes.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        int length = Length;
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }
        destination[0] = (byte)((Fin ? 0x80 : 0) | (byte)ReservedBits | (byte)Opcode);
        byte maskBit = IsMasked ? (byte)0x80 : (byte)0;
        int at;
        if (PayloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | (byte)PayloadLength);
            at = 2;
        }
        else if (PayloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)PayloadLength);
            at = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)PayloadLength);
            at = 10;
        }
        if (IsMasked)
        {
            FrameMask.WriteKey(MaskKey, destination[at..]);
        }
        bytesWritten = length;
        return true;
    }

    /// <summary>A readable summary, e.g. <c>FIN Text len=5 masked</c>.</summary>
    public override string ToString() =>
        $"{(Fin ? "FIN " : "")}{Opcode}{(ReservedBits != ReservedBits.None ? " " + ReservedBits : "")} len={PayloadLength}{(IsMasked ? " masked" : "")}";
}
