using CsCheck;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class WebSocketKeyRulesTests
{
    // RFC 6455 §4.1 item 7: the key is a randomly selected 16-byte value base64-encoded.
    [Fact]
    public void accepts_the_rfc_key_and_any_base64_of_16_bytes()
    {
        Assert.Null(WebSocketKeyRules.Check("dGhlIHNhbXBsZSBub25jZQ=="));
        Gen.Byte.Array[16].Sample(b => Assert.Null(WebSocketKeyRules.Check(Convert.ToBase64String(b))), iter: 500);
    }

    // RFC 6455 §4.2.1 item 5: a base64-encoded value that, when decoded, is 16 bytes in length.
    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(20)]
    [InlineData(1)]
    public void refuses_a_key_that_decodes_to_another_length(int length)
    {
        string key = Convert.ToBase64String(new byte[length]);
        Assert.Equal($"the key decodes to {length} bytes instead of 16", WebSocketKeyRules.Check(key));
    }

    [Theory]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ== ", "column 25")]
    [InlineData("dGhlIHNhbXBs ZSBub25jZQ==", "column 13")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==\r", "\\r")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==\t", "\\t")]
    public void names_whitespace_inside_a_key(string key, string where)
    {
        string? why = WebSocketKeyRules.Check(key);
        Assert.NotNull(why);
        Assert.Contains("whitespace", why, StringComparison.Ordinal);
        Assert.Contains(where, why, StringComparison.Ordinal);
    }

    [Fact]
    public void names_base64url_characters()
    {
        string key = Convert.ToBase64String([0xfb, 0xff, .. new byte[14]]);
        Assert.StartsWith("+/", key, StringComparison.Ordinal);
        string url = key.Replace('+', '-').Replace('/', '_');
        Assert.Contains("base64url", WebSocketKeyRules.Check(url), StringComparison.Ordinal);
    }

    [Fact]
    public void names_stripped_padding()
    {
        Assert.Contains("padding was stripped", WebSocketKeyRules.Check("dGhlIHNhbXBsZSBub25jZQ"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ=!", "not a base64 character")]
    [InlineData("dGhlIHNhbXBsZSBub25jZ=Q=", "not valid base64")]
    [InlineData("", "decodes to 0 bytes")]
    public void refuses_text_that_is_not_base64(string key, string why)
    {
        Assert.Contains(why, WebSocketKeyRules.Check(key), StringComparison.Ordinal);
    }
}
