using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ws101.Protocol;

/// <summary>
/// Masking and unmasking of payload bytes (RFC 6455 §5.3): byte <c>i</c> of the payload is XORed with byte
/// <c>i mod 4</c> of the 4-byte masking key. The same operation masks and unmasks.
/// </summary>
/// <remarks>
/// A key is held as a <see cref="uint"/> read in machine byte order from the 4 key bytes as they appear on the
/// wire (<see cref="ReadKey"/>), so that broadcasting it into a vector reproduces the wire pattern.
/// The work is done 64 bytes at a time with <see cref="Vector512"/> where the runtime accelerates it, 32 with
/// <see cref="Vector256"/>, then 16 with <see cref="Vector128"/>,
/// then 8 and 4 with integers, and a byte loop for the last 0-3; because every step is a multiple of 4 the key
/// never has to be re-aligned inside the loop, only rotated once for the starting offset.
/// </remarks>
internal static class FrameMask
{
    /// <summary>Reads a masking key from its 4 wire bytes.</summary>
    public static uint ReadKey(ReadOnlySpan<byte> keyBytes) => MemoryMarshal.Read<uint>(keyBytes);

    /// <summary>Writes a masking key as its 4 wire bytes.</summary>
    public static void WriteKey(uint key, Span<byte> destination) => MemoryMarshal.Write(destination, in key);

    /// <summary>
    /// XORs <paramref name="data"/> in place with <paramref name="key"/>, as if <paramref name="data"/> started
    /// at byte <paramref name="keyOffset"/> of the payload (only its value modulo 4 matters), and returns the key
    /// offset for the byte that follows, so that a payload can be unmasked in pieces as it arrives.
    /// </summary>
    public static int Apply(Span<byte> data, uint key, int keyOffset)
    {
        int offset = keyOffset & 3;
        // Rotate so that the key byte for data[0] comes first in memory.
        uint k = BitConverter.IsLittleEndian
            ? BitOperations.RotateRight(key, offset * 8)
            : BitOperations.RotateLeft(key, offset * 8);

        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;

        if (Vector512.IsHardwareAccelerated && length >= (nuint)Vector512<byte>.Count)
        {
            // Only where the runtime judges AVX-512 worth it (it reports false on CPUs that throttle).
            Vector512<byte> kv = Vector512.Create(k).AsByte();
            nuint last = length - (nuint)Vector512<byte>.Count;
            for (; i <= last; i += (nuint)Vector512<byte>.Count)
            {
                (Vector512.LoadUnsafe(ref start, i) ^ kv).StoreUnsafe(ref start, i);
            }
        }
        if (Vector256.IsHardwareAccelerated && length - i >= (nuint)Vector256<byte>.Count)
        {
            Vector256<byte> kv = Vector256.Create(k).AsByte();
            nuint last = length - (nuint)Vector256<byte>.Count;
            for (; i <= last; i += (nuint)Vector256<byte>.Count)
            {
                (Vector256.LoadUnsafe(ref start, i) ^ kv).StoreUnsafe(ref start, i);
            }
        }
        if (Vector128.IsHardwareAccelerated && length - i >= (nuint)Vector128<byte>.Count)
        {
            Vector128<byte> kv = Vector128.Create(k).AsByte();
            nuint last = length - (nuint)Vector128<byte>.Count;
            for (; i <= last; i += (nuint)Vector128<byte>.Count)
            {
                (Vector128.LoadUnsafe(ref start, i) ^ kv).StoreUnsafe(ref start, i);
            }
        }
        ulong k64 = ((ulong)k << 32) | k;
        for (; length - i >= 8; i += 8)
        {
            ref byte p = ref Unsafe.Add(ref start, i);
            Unsafe.WriteUnaligned(ref p, Unsafe.ReadUnaligned<ulong>(ref p) ^ k64);
        }
        if (length - i >= 4)
        {
            ref byte p = ref Unsafe.Add(ref start, i);
            Unsafe.WriteUnaligned(ref p, Unsafe.ReadUnaligned<uint>(ref p) ^ k);
            i += 4;
        }
        ref byte keyBytes = ref Unsafe.As<uint, byte>(ref k);
        for (nuint j = 0; i < length; i++, j++)
        {
            Unsafe.Add(ref start, i) ^= Unsafe.Add(ref keyBytes, j);
        }
        return (offset + data.Length) & 3;
    }
}
