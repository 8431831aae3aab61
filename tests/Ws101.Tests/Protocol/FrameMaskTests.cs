using CsCheck;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// RFC 6455 §5.3: "Octet i of the transformed data ("transformed-octet-i") is the XOR of octet i of the original data
// ("original-octet-i") with octet at index i modulo 4 of the masking key ("masking-key-octet-j")".
[Collection(ProtocolCollection.Name)]
public class FrameMaskTests
{
    private static void Reference(Span<byte> data, byte[] key, int offset)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= key[(offset + i) % 4];
        }
    }

    [Fact]
    public void vectorized_masking_equals_a_byte_loop_for_every_length_0_to_1024_offset_0_to_3_and_alignment_0_to_31()
    {
        // RFC 6455 §5.3, exhaustively over the shapes the vector loops and the scalar tail can meet.
        byte[] key = [0x37, 0xFA, 0x21, 0x3D];
        uint k = FrameMask.ReadKey(key);
        var random = new Random(6455);
        byte[] original = new byte[1024 + 32];
        random.NextBytes(original);
        byte[] actual = new byte[original.Length];
        byte[] expected = new byte[original.Length];
        for (int alignment = 0; alignment < 32; alignment++)
        {
            for (int offset = 0; offset < 4; offset++)
            {
                for (int length = 0; length <= 1024; length++)
                {
                    original.CopyTo(actual, 0);
                    original.CopyTo(expected, 0);
                    int next = FrameMask.Apply(actual.AsSpan(alignment, length), k, offset);
                    Reference(expected.AsSpan(alignment, length), key, offset);
                    Assert.Equal((offset + length) % 4, next);
                    // Bytes around the slice must be untouched, so the whole buffer is compared.
                    if (!actual.AsSpan().SequenceEqual(expected))
                    {
                        Assert.Fail($"mismatch at alignment {alignment}, offset {offset}, length {length}");
                    }
                }
            }
        }
    }

    [Fact]
    public void masking_twice_restores_the_data_for_random_keys_and_lengths()
    {
        // RFC 6455 §5.3: "The same algorithm applies regardless of the direction of the translation".
        Gen.Select(Gen.Byte.Array[0, 5000], Gen.UInt, Gen.Int[0, 3]).Sample((data, key, offset) =>
        {
            byte[] copy = (byte[])data.Clone();
            FrameMask.Apply(copy, key, offset);
            FrameMask.Apply(copy, key, offset);
            Assert.Equal(data, copy);
        }, iter: 300);
    }

    [Fact]
    public void masking_in_pieces_equals_masking_at_once()
    {
        // RFC 6455 §5.3: a payload unmasked as it arrives, piece by piece, carrying the key offset along.
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.UInt, Gen.Int[1, 100]).Sample((data, key, piece) =>
        {
            byte[] whole = (byte[])data.Clone();
            FrameMask.Apply(whole, key, 0);
            byte[] pieces = (byte[])data.Clone();
            int offset = 0;
            for (int at = 0; at < pieces.Length; at += piece)
            {
                offset = FrameMask.Apply(pieces.AsSpan(at, Math.Min(piece, pieces.Length - at)), key, offset);
            }
            Assert.Equal(whole, pieces);
        }, iter: 300);
    }

    [Fact]
    public void a_key_round_trips_through_its_wire_bytes()
    {
        byte[] key = [1, 2, 3, 4];
        Span<byte> back = stackalloc byte[4];
        FrameMask.WriteKey(FrameMask.ReadKey(key), back);
        Assert.Equal(key, back.ToArray());
    }
}
