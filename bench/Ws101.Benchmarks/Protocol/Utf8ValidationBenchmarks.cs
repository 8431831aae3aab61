using System.Text;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using Ws101.Protocol;

namespace Ws101.Benchmarks.Protocol;

/// <summary>
/// UTF-8 validation of a 16 KiB text message (RFC 6455 §8.1): the incremental <see cref="Utf8Validator"/>, whole and in
/// 1 KiB chunks (as a message arrives in reads), beside <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/> (the anchor).
/// </summary>
[MemoryDiagnoser]
public class Utf8ValidationBenchmarks
{
    private byte[] _text = [];

    /// <summary>"ascii": English JSON-like text; "mixed": Greek, CJK and emoji mixed with ASCII.</summary>
    [Params("ascii", "mixed")]
    public string Kind { get; set; } = "ascii";

    [GlobalSetup]
    public void Setup()
    {
        string unit = Kind == "ascii"
            ? "{\"user\":\"alice\",\"message\":\"hello, world\",\"n\":42} "
            : "κόσμε 世界 hello 𝄞 ünïcödé ";
        var sb = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(sb.ToString()) < 16 * 1024)
        {
            sb.Append(unit);
        }
        _text = Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Benchmark(Baseline = true, Description = "Utf8.IsValid (whole)")]
    public bool BclIsValid() => Utf8.IsValid(_text);

    [Benchmark(Description = "Utf8Validator (whole)")]
    public bool ValidatorWhole()
    {
        var validator = new Utf8Validator();
        return validator.Validate(_text) && validator.IsComplete;
    }

    [Benchmark(Description = "Utf8Validator (1 KiB chunks)")]
    public bool ValidatorChunked()
    {
        var validator = new Utf8Validator();
        ReadOnlySpan<byte> text = _text;
        // 1021: not a multiple of anything, so code points straddle the chunks.
        for (int at = 0; at < text.Length; at += 1021)
        {
            if (!validator.Validate(text.Slice(at, Math.Min(1021, text.Length - at))))
            {
                return false;
            }
        }
        return validator.IsComplete;
    }
}
