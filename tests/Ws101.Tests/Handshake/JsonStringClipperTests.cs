using System.Text;
using System.Text.Json;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class JsonStringClipperTests
{
    private static string Run(string json, int keep, int chunk)
    {
        var clipper = new JsonStringClipper(keep);
        byte[] input = Encoding.UTF8.GetBytes(json);
        var output = new List<byte>();
        for (int i = 0; i < input.Length; i += chunk)
        {
            var part = input.AsSpan(i, Math.Min(chunk, input.Length - i));
            var buffer = new byte[clipper.MaxOutputLength(part.Length)];
            int n = clipper.Transform(part, buffer);
            output.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void passes_short_strings_and_everything_else_through_unchanged(int chunk)
    {
        string json = """{"a":"b\"c\\d\u00e9","n":[1,2.5e3,true,null],"s":"short"}""";
        Assert.Equal(json, Run(json, 16, chunk));
    }

    public static TheoryData<string> LongValues() =>
    [
        new string('x', 5000),
        string.Concat(Enumerable.Repeat("é€😀", 900)),
        string.Concat(Enumerable.Repeat("a\n\"\\\t", 900)),
    ];

    [Theory]
    [MemberData(nameof(LongValues))]
    public void clips_a_long_string_at_a_character_boundary_and_records_its_whole_utf8_length(string value)
    {
        // Escaped both ways: non-ASCII as raw UTF-8, and as \u escapes (surrogate pairs included).
        foreach (var options in new[] { new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }, new JsonSerializerOptions() })
        {
            string json = "{\"v\":" + JsonSerializer.Serialize(value, options) + ",\"after\":1}";
            foreach (int chunk in new[] { 1, 3, 100, 100_000 })
            {
                string clipped = Run(json, 64, chunk);
                using var document = JsonDocument.Parse(clipped);
                string kept = JsonStringClipper.Unclip(document.RootElement.GetProperty("v").GetString()!, out long length, out bool wasClipped);
                Assert.True(wasClipped);
                Assert.Equal(Encoding.UTF8.GetByteCount(value), length);
                Assert.StartsWith(kept, value, StringComparison.Ordinal);
                Assert.InRange(kept.Length, 1, 64);
                Assert.Equal(1, document.RootElement.GetProperty("after").GetInt32());
            }
        }
    }

    [Fact]
    public void reads_the_whole_length_from_the_escaped_text_without_decoding_it()
    {
        string clipped = Run("[\"" + new string('y', 300) + "\"]", 32, 300);
        using var document = JsonDocument.Parse(clipped);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(clipped));
        reader.Read();
        reader.Read();
        Assert.True(JsonStringClipper.TryReadClippedLength(reader.ValueSpan, out long length));
        Assert.Equal(300, length);
        Assert.False(JsonStringClipper.TryReadClippedLength("plain"u8, out _));
    }
}
