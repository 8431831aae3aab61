using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Ws101.Handshake;

namespace Ws101.Benchmarks.Handshake;

/// <summary>The accept computation, ours beside the plain one-liner most code writes (the anchor).</summary>
[MemoryDiagnoser]
public class AcceptBenchmarks
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private readonly byte[] _keyBytes = Encoding.ASCII.GetBytes(Key);
    private readonly byte[] _destination = new byte[WebSocketAccept.Length];
    private readonly char[] _chars = new char[WebSocketAccept.Length];

    [Benchmark(Baseline = true, Description = "Convert.ToBase64String(SHA1.HashData(ASCII(key + GUID)))")]
    public string PlainOneLiner() =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(Key + WebSocketAccept.Guid)));

    [Benchmark(Description = "WebSocketAccept.Compute(string)")]
    public string ComputeString() => WebSocketAccept.Compute(Key);

    [Benchmark(Description = "WebSocketAccept.TryCompute(chars -> chars)")]
    public int TryComputeChars()
    {
        WebSocketAccept.TryCompute(Key, _chars, out int written);
        return written;
    }

    [Benchmark(Description = "WebSocketAccept.TryCompute(bytes -> bytes)")]
    public int TryComputeBytes()
    {
        WebSocketAccept.TryCompute(_keyBytes, _destination, out int written);
        return written;
    }
}
