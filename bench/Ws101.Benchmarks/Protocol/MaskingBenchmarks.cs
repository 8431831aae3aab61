using BenchmarkDotNet.Attributes;
using Ws101.Protocol;

namespace Ws101.Benchmarks.Protocol;

/// <summary>
/// Masking throughput (RFC 6455 §5.3): <see cref="FrameMask.Apply"/> (Vector256/Vector128 and a scalar tail) beside the
/// plain byte loop most code writes (the anchor). GB/s = Length / mean time.
/// </summary>
[MemoryDiagnoser]
public class MaskingBenchmarks
{
    private byte[] _data = [];
    private readonly byte[] _key = [0x37, 0xFA, 0x21, 0x3D];
    private uint _k;

    /// <summary>Payload size in bytes.</summary>
    [Params(128, 4096, 65536)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length + 1];
        new Random(1).NextBytes(_data);
        _k = FrameMask.ReadKey(_key);
    }

    [Benchmark(Baseline = true, Description = "byte loop")]
    public void ByteLoop()
    {
        // Offset 1 into the array, so neither variant gets an aligned start for free.
        Span<byte> data = _data.AsSpan(1, Length);
        byte[] key = _key;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= key[i & 3];
        }
    }

    [Benchmark(Description = "FrameMask.Apply")]
    public int Vectorized() => FrameMask.Apply(_data.AsSpan(1, Length), _k, 0);
}
