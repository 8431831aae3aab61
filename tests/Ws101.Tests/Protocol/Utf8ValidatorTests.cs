using System.Text.Unicode;
using CsCheck;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// RFC 6455 §8.1 (UTF-8 handling) and RFC 3629 / Unicode Table 3-7 for what well-formed UTF-8 is.
[Collection(ProtocolCollection.Name)]
public class Utf8ValidatorTests
{
    // Bytes biased towards the interesting ones: lead bytes, continuations, and the boundary values of Table 3-7.
    private static readonly Gen<byte> InterestingByte = Gen.OneOf(
        Gen.Byte,
        Gen.Byte[0x80, 0xBF],
        Gen.OneOf<byte>(0x41, 0x7F, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF));

    // Valid text with multi-byte code points, optionally followed by garbage.
    private static readonly Gen<byte[]> Text = Gen.OneOf(
        InterestingByte.Array[0, 40],
        Gen.String.Select(s => Wire.Utf8(s)),
        Gen.Select(Gen.String, InterestingByte.Array[1, 6], Gen.String).Select((a, bad, b) => Wire.Utf8(a).Concat(bad).Concat(Wire.Utf8(b)).ToArray()));

    private static readonly byte[] Completions = [0x80, 0x90, 0xA0, 0xBF];

    // A prefix is viable when some continuation of at most 3 bytes makes it valid: a reference for "fails at the first
    // invalid byte" that uses only Utf8.IsValid and brute force.
    private static bool Viable(ReadOnlySpan<byte> prefix)
    {
        if (Utf8.IsValid(prefix))
        {
            return true;
        }
        byte[] buffer = new byte[prefix.Length + 3];
        prefix.CopyTo(buffer);
        for (int extra = 1; extra <= 3; extra++)
        {
            int combinations = (int)Math.Pow(Completions.Length, extra);
            for (int c = 0; c < combinations; c++)
            {
                int v = c;
                for (int j = 0; j < extra; j++)
                {
                    buffer[prefix.Length + j] = Completions[v % Completions.Length];
                    v /= Completions.Length;
                }
                if (Utf8.IsValid(buffer.AsSpan(0, prefix.Length + extra)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static int FirstInvalidIndex(byte[] text)
    {
        for (int n = 1; n <= text.Length; n++)
        {
            if (!Viable(text.AsSpan(0, n)))
            {
                return n - 1;
            }
        }
        return -1;
    }

    [Fact]
    public void agrees_with_utf8_is_valid_for_any_chunking()
    {
        // RFC 6455 §8.1: validity does not depend on how the bytes were split.
        Gen.Select(Text, Gen.Int[1, 8].Array[1, 10]).Sample((text, sizes) =>
        {
            var validator = new Utf8Validator();
            bool ok = true;
            int at = 0;
            for (int i = 0; at < text.Length && ok; i++)
            {
                int size = Math.Min(sizes[i % sizes.Length], text.Length - at);
                ok = validator.Validate(text.AsSpan(at, size));
                at += size;
            }
            Assert.Equal(Utf8.IsValid(text), ok && validator.IsComplete);
        }, iter: 5000);
    }

    [Fact]
    public void fails_on_the_chunk_that_holds_the_first_invalid_byte()
    {
        // RFC 6455 §8.1 with Autobahn 6.x "fail fast": the error comes as soon as the bytes cannot be UTF-8, not at the end.
        Gen.Select(Text, Gen.Int[1, 8]).Sample((text, size) =>
        {
            int firstInvalid = FirstInvalidIndex(text);
            var validator = new Utf8Validator();
            int failedChunkStart = -1;
            int failedChunkEnd = -1;
            for (int at = 0; at < text.Length; at += size)
            {
                int n = Math.Min(size, text.Length - at);
                if (!validator.Validate(text.AsSpan(at, n)))
                {
                    failedChunkStart = at;
                    failedChunkEnd = at + n;
                    break;
                }
            }
            if (firstInvalid < 0)
            {
                Assert.Equal(-1, failedChunkStart);
            }
            else
            {
                Assert.True(firstInvalid >= failedChunkStart && firstInvalid < failedChunkEnd,
                    $"first invalid byte {firstInvalid} of {Convert.ToHexString(text)}, failed on chunk [{failedChunkStart}, {failedChunkEnd})");
            }
        }, iter: 2000);
    }

    [Theory]
    [InlineData("CEBAE1BDB9CF83CEBCCEB5")] // κόσμε
    [InlineData("7F")]
    [InlineData("C280")] // U+0080
    [InlineData("DFBF")] // U+07FF
    [InlineData("E0A080")] // U+0800
    [InlineData("EFBFBF")] // U+FFFF
    [InlineData("F0908080")] // U+10000
    [InlineData("F48FBFBF")] // U+10FFFF
    [InlineData("ED9FBF")] // U+D7FF, just below the surrogates
    [InlineData("EE8080")] // U+E000, just above
    public void accepts_boundary_code_points_split_at_every_offset(string hex)
    {
        // RFC 3629 §4 and Autobahn 6.2-6.5: valid sequences at the edges of each length class, split anywhere.
        byte[] text = Convert.FromHexString(hex);
        for (int cut = 0; cut <= text.Length; cut++)
        {
            var validator = new Utf8Validator();
            Assert.True(validator.Validate(text.AsSpan(0, cut)));
            Assert.True(validator.Validate(text.AsSpan(cut)));
            Assert.True(validator.IsComplete);
        }
    }

    [Theory]
    [InlineData("C080")] // overlong NUL
    [InlineData("C1BF")] // overlong
    [InlineData("E08080")] // overlong 3-byte
    [InlineData("F0808080")] // overlong 4-byte
    [InlineData("EDA080")] // U+D800, a surrogate
    [InlineData("EDBFBF")] // U+DFFF
    [InlineData("F4908080")] // U+110000
    [InlineData("F5")]
    [InlineData("FF")]
    [InlineData("80")] // lone continuation
    [InlineData("CEBAE1BDB9CF83CEBCCEB5EDA080656469746564")] // Autobahn 6.4.x shape: valid text, then a surrogate
    public void rejects_ill_formed_sequences_at_every_split(string hex)
    {
        // RFC 3629 §3 and §10: overlongs, surrogates and values above U+10FFFF are not UTF-8.
        byte[] text = Convert.FromHexString(hex);
        for (int cut = 0; cut <= text.Length; cut++)
        {
            var validator = new Utf8Validator();
            bool ok = validator.Validate(text.AsSpan(0, cut)) && validator.Validate(text.AsSpan(cut)) && validator.IsComplete;
            Assert.False(ok, $"split at {cut}");
        }
    }

    [Fact]
    public void an_unfinished_code_point_is_valid_so_far_but_not_complete()
    {
        var validator = new Utf8Validator();
        Assert.True(validator.Validate([0xF0, 0x90]));
        Assert.False(validator.IsComplete);
        validator.Reset();
        Assert.True(validator.IsComplete);
    }
}
