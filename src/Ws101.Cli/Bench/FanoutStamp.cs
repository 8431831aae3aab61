using System.Buffers.Binary;

namespace Ws101.Cli.Bench;

/// <summary>
/// The start of every fanout message: the publisher's sequence number and its send time (Stopwatch ticks; publisher and
/// subscribers share this process's clock). Binary: 16 bytes little-endian; text: the same as 32 hex digits, valid UTF-8.
/// </summary>
internal static class FanoutStamp
{
    /// <summary>The longest stamp (text).</summary>
    public const int MaxLength = 32;

    /// <summary>The stamp's length in a binary or text message; also the smallest fanout message.</summary>
    public static int Length(bool text) => text ? 32 : 16;

    /// <summary>Writes the stamp at the start of <paramref name="payload"/>.</summary>
    public static void Write(Span<byte> payload, long sequence, long sentAt, bool text)
    {
        if (!text)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
            BinaryPrimitives.WriteInt64LittleEndian(payload[8..], sentAt);
            return;
        }
        WriteHex(payload, (ulong)sequence);
        WriteHex(payload[16..], (ulong)sentAt);
    }

    /// <summary>Reads a stamp; false when the bytes are not one (text that is not hex digits).</summary>
    public static bool TryRead(ReadOnlySpan<byte> stamp, bool text, out long sequence, out long sentAt)
    {
        if (!text)
        {
            sequence = BinaryPrimitives.ReadInt64LittleEndian(stamp);
            sentAt = BinaryPrimitives.ReadInt64LittleEndian(stamp[8..]);
            return true;
        }
        bool ok = TryReadHex(stamp[..16], out ulong s) & TryReadHex(stamp[16..32], out ulong t);
        sequence = (long)s;
        sentAt = (long)t;
        return ok;
    }

    private static void WriteHex(Span<byte> destination, ulong value)
    {
        for (int i = 15; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    private static bool TryReadHex(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        foreach (byte b in digits)
        {
            int d = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : b is >= (byte)'a' and <= (byte)'f' ? b - 'a' + 10 : -1;
            if (d < 0)
            {
                return false;
            }
            value = (value << 4) | (uint)d;
        }
        return true;
    }
}
