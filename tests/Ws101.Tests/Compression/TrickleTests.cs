using System.Buffers;
using Ws101.Compression;

namespace Ws101.Tests.Compression;

/// <summary>The decompressor, like every parser, gives the same result however its input is split.</summary>
public class TrickleTests
{
    private static byte[] Inflate(PerMessageDeflateDecompressor d, byte[] compressed, IEnumerable<int> cuts)
    {
        var output = new List<byte>();
        int at = 0;
        foreach (int cut in cuts.Append(compressed.Length))
        {
            Assert.Equal(OperationStatus.Done, d.Decompress(new ReadOnlySequence<byte>(compressed, at, cut - at), cut == compressed.Length, out var part));
            output.AddRange(part.ToArray());
            at = cut;
        }
        return [.. output];
    }

    [Fact]
    public void one_byte_at_a_time_and_split_at_every_offset_give_the_same_message()
    {
        var message = Corpus.Json(3000);
        using var c = new PerMessageDeflateCompressor(System.IO.Compression.CompressionLevel.Optimal, noContextTakeover: true);
        var compressed = c.Compress(message, true).ToArray();
        using var d = new PerMessageDeflateDecompressor(1 << 20, noContextTakeover: true);
        Assert.Equal(message, Inflate(d, compressed, Enumerable.Range(1, compressed.Length - 1)));
        for (int split = 0; split <= compressed.Length; split++)
        {
            Assert.Equal(message, Inflate(d, compressed, split == compressed.Length ? [] : [split]));
        }
    }

    [Fact]
    public void random_bytes_are_either_inflated_within_the_limit_or_reported_invalid()
    {
        var random = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            using var d = new PerMessageDeflateDecompressor(4096);
            var status = d.Decompress(new ReadOnlySequence<byte>(garbage), true, out var inflated);
            Assert.True(status is OperationStatus.Done or OperationStatus.InvalidData or OperationStatus.DestinationTooSmall, status.ToString());
            Assert.True(inflated.Length <= 4096);
        }
    }
}
