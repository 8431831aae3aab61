using System.Buffers;
using System.Diagnostics;
using Ws101.Compression;

namespace Ws101.Tests.Compression;

public class RoundTripTests
{
    private static byte[] Inflate(PerMessageDeflateDecompressor d, ReadOnlySpan<byte> compressed)
    {
        Assert.Equal(OperationStatus.Done, d.Decompress(new ReadOnlySequence<byte>(compressed.ToArray()), true, out var inflated));
        return inflated.ToArray();
    }

    public static TheoryData<int, bool> WindowsAndTakeover()
    {
        var data = new TheoryData<int, bool>();
        for (int bits = 9; bits <= 15; bits++)
        {
            data.Add(bits, false);
            data.Add(bits, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WindowsAndTakeover))]
    public void round_trips_messages_at_every_window_with_and_without_context_takeover(int bits, bool noContextTakeover)
    {
        using var c = new PerMessageDeflateCompressor(System.IO.Compression.CompressionLevel.Optimal, noContextTakeover, bits);
        using var d = new PerMessageDeflateDecompressor(1 << 20, noContextTakeover);
        var corpus = Corpus.Json(64 * 1024);
        int total = 0, compressedTotal = 0;
        for (int i = 0; i < 20; i++)
        {
            int length = Math.Min(corpus.Length - 1, (1 << bits) - (i * 7));
            var message = corpus.AsSpan(i * 31, length);
            Assert.True(c.CanCompress(message.Length));
            var compressed = c.Compress(message, endOfMessage: true).ToArray();
            Assert.False(compressed.AsSpan().EndsWith(new byte[] { 0, 0, 0xff, 0xff }));
            Assert.Equal(message.ToArray(), Inflate(d, compressed));
            total += message.Length;
            compressedTotal += compressed.Length;
            Assert.Equal(noContextTakeover || bits < 15, !c.HoldsContext);
            Assert.Equal(!noContextTakeover, d.HoldsContext);
        }
        Assert.True(compressedTotal < total / 2, $"{compressedTotal} of {total}");
    }

    [Fact]
    public void context_takeover_makes_a_repeated_message_almost_free()
    {
        using var keep = new PerMessageDeflateCompressor();
        using var reset = new PerMessageDeflateCompressor(noContextTakeover: true);
        var message = Corpus.Json(2000);
        int first = keep.Compress(message, true).Length;
        int again = keep.Compress(message, true).Length;
        int resetAgain = reset.Compress(message, true).Length;
        resetAgain = reset.Compress(message, true).Length;
        Assert.True(again < first / 5, $"{again} vs {first}");
        Assert.Equal(first, resetAgain);
    }

    [Fact]
    public void a_small_window_compresses_only_messages_that_fit_in_it()
    {
        using var c = new PerMessageDeflateCompressor(maxWindowBits: 9);
        Assert.True(c.CanCompress(512));
        Assert.False(c.CanCompress(513));
        Assert.False(c.CanCompress(null));
        using var full = new PerMessageDeflateCompressor();
        Assert.True(full.CanCompress(null));
        Assert.True(full.CanCompress(100_000_000));
    }

    [Fact]
    public void an_empty_message_is_a_single_zero_byte()
    {
        using var c = new PerMessageDeflateCompressor();
        using var d = new PerMessageDeflateDecompressor(100);
        var compressed = c.Compress([], true).ToArray();
        Assert.Equal(new byte[] { 0x00 }, compressed);
        Assert.Empty(Inflate(d, compressed));
        Assert.Empty(Inflate(d, []));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void messages_compressed_in_parts_and_split_into_any_frames_inflate_chunk_by_chunk(bool noContextTakeover)
    {
        using var c = new PerMessageDeflateCompressor(noContextTakeover: noContextTakeover);
        using var d = new PerMessageDeflateDecompressor(1 << 20, noContextTakeover);
        var random = new Random(5);
        for (int round = 0; round < 5; round++)
        {
            var message = Corpus.Json(50_000, round);
            // Compressed in parts (a streamed send), then the whole payload cut into frames at random points.
            var compressed = new List<byte>();
            int offset = 0;
            while (offset < message.Length)
            {
                int n = Math.Min(random.Next(1, 9000), message.Length - offset);
                compressed.AddRange(c.Compress(message.AsSpan(offset, n), offset + n == message.Length).ToArray());
                offset += n;
            }
            var output = new List<byte>();
            int at = 0;
            while (at < compressed.Count)
            {
                int n = Math.Min(random.Next(1, 700), compressed.Count - at);
                bool end = at + n == compressed.Count;
                Assert.Equal(OperationStatus.Done, d.Decompress(new ReadOnlySequence<byte>(compressed.GetRange(at, n).ToArray()), end, out var part));
                output.AddRange(part.ToArray());
                at += n;
            }
            Assert.Equal(message, output.ToArray());
        }
    }

    [Fact]
    public void inflation_stops_one_byte_past_the_limit()
    {
        using var c = new PerMessageDeflateCompressor(System.IO.Compression.CompressionLevel.Optimal);
        var zeros = new byte[10 * 1024 * 1024];
        var bomb = c.Compress(zeros, true).ToArray();
        Assert.True(bomb.Length < 20_000, bomb.Length.ToString());
        using var d = new PerMessageDeflateDecompressor(1024 * 1024);
        Assert.Equal(OperationStatus.DestinationTooSmall, d.Decompress(new ReadOnlySequence<byte>(bomb), true, out _));
        // Exactly at the limit is fine.
        using var exact = new PerMessageDeflateDecompressor(zeros.Length);
        Assert.Equal(OperationStatus.Done, exact.Decompress(new ReadOnlySequence<byte>(bomb), true, out var all));
        Assert.Equal(zeros.Length, all.Length);
    }

    [Fact]
    public void the_limit_counts_across_the_chunks_of_a_message()
    {
        using var c = new PerMessageDeflateCompressor();
        var compressed = c.Compress(new byte[300_000], true).ToArray();
        using var d = new PerMessageDeflateDecompressor(200_000);
        var first = d.Decompress(new ReadOnlySequence<byte>(compressed, 0, compressed.Length / 2), false, out var part);
        var second = first == OperationStatus.Done
            ? d.Decompress(new ReadOnlySequence<byte>(compressed, compressed.Length / 2, compressed.Length - (compressed.Length / 2)), true, out _)
            : first;
        Assert.Equal(OperationStatus.DestinationTooSmall, second);
    }

    [Fact]
    public void invalid_deflate_data_is_reported()
    {
        using var d = new PerMessageDeflateDecompressor(1000);
        // BTYPE 11 is reserved (RFC 1951 §3.2.3).
        Assert.Equal(OperationStatus.InvalidData, d.Decompress(new ReadOnlySequence<byte>(new byte[] { 0xff, 0xff, 0xff }), true, out _));
    }

    [Fact]
    public void a_peer_that_ends_messages_with_a_final_block_is_read_with_a_fresh_context_next_time()
    {
        using var d = new PerMessageDeflateDecompressor(1000);
        for (int i = 0; i < 3; i++)
        {
            // A complete raw deflate stream (BFINAL set) as another implementation may send it (RFC 7692 §7.2.3.3).
            var sink = new MemoryStream();
            using (var z = new System.IO.Compression.DeflateStream(sink, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write("hello hello hello"u8);
            }
            Assert.Equal("hello hello hello"u8.ToArray(), Inflate(d, sink.ToArray()));
        }
    }

    /// <summary>
    /// The windows below 15 bits are checked by an inflater we did not write: Python's zlib with exactly that window
    /// (wbits = -N), one context across the messages as a peer with context takeover keeps it.
    /// </summary>
    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(12)]
    [InlineData(14)]
    [InlineData(15)]
    public void python_zlib_inflates_what_we_send_with_its_window_limited_to_n_bits(int bits)
    {
        using var c = new PerMessageDeflateCompressor(System.IO.Compression.CompressionLevel.SmallestSize, false, bits);
        var corpus = Corpus.Json(1 << 16, bits);
        var lines = new List<string>();
        var expected = new List<string>();
        for (int i = 0; i < 8; i++)
        {
            var message = corpus.AsSpan(i * 100, (1 << bits) - i);
            lines.Add(Convert.ToHexString(c.Compress(message, true)));
            expected.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(message)));
        }
        string script = $$"""
            import sys, zlib, hashlib
            d = zlib.decompressobj(-{{bits}})
            for line in sys.stdin.read().split():
                out = d.decompress(bytes.fromhex(line) + b"\x00\x00\xff\xff")
                print(hashlib.sha256(out).hexdigest().upper())
            """;
        var psi = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(string.Join("\n", lines));
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        Assert.True(p.ExitCode == 0, error);
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
