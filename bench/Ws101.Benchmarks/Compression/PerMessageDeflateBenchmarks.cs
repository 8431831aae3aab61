using System.Buffers;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Ws101.Compression;

namespace Ws101.Benchmarks.Compression;

/// <summary>
/// permessage-deflate on 16 KiB JSON messages: compressing (with and without context takeover) and inflating, beside a
/// plain copy of the message (the anchor: what sending it uncompressed costs in memory bandwidth).
/// </summary>
[MemoryDiagnoser]
public class PerMessageDeflateBenchmarks
{
    private byte[][] _messages = [];
    private byte[][] _compressed = [];
    private byte[] _copy = [];
    private PerMessageDeflateCompressor _keep = null!;
    private PerMessageDeflateCompressor _reset = null!;
    private PerMessageDeflateDecompressor _inflate = null!;
    private int _next;

    /// <summary>zlib level 1 (Fastest, the default) or 6 (Optimal).</summary>
    [Params(CompressionLevel.Fastest, CompressionLevel.Optimal)]
    public CompressionLevel Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _messages = [.. Enumerable.Range(0, 64).Select(i => CompressionCorpus.Json(16 * 1024, i))];
        _copy = new byte[32 * 1024];
        _keep = new PerMessageDeflateCompressor(Level);
        _reset = new PerMessageDeflateCompressor(Level, noContextTakeover: true);
        using var c = new PerMessageDeflateCompressor(Level);
        _compressed = [.. _messages.Select(m => c.Compress(m, true).ToArray())];
        _inflate = new PerMessageDeflateDecompressor(1 << 20);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keep.Dispose();
        _reset.Dispose();
        _inflate.Dispose();
    }

    [Benchmark(Baseline = true, Description = "copy 16 KiB (anchor)")]
    public int Copy()
    {
        var m = _messages[_next++ & 63];
        m.CopyTo(_copy, 0);
        return m.Length;
    }

    [Benchmark(Description = "compress 16 KiB, context takeover")]
    public int CompressKeep() => _keep.Compress(_messages[_next++ & 63], true).Length;

    [Benchmark(Description = "compress 16 KiB, no context takeover")]
    public int CompressReset() => _reset.Compress(_messages[_next++ & 63], true).Length;

    [Benchmark(Description = "inflate 16 KiB, context takeover")]
    public int Inflate()
    {
        // The messages were compressed in order with one context: inflate them in the same order.
        int i = _next++ & 63;
        if (i == 0)
        {
            _inflate.Dispose();
            _inflate = new PerMessageDeflateDecompressor(1 << 20);
        }
        _inflate.Decompress(new ReadOnlySequence<byte>(_compressed[i]), true, out var inflated);
        return inflated.Length;
    }
}
