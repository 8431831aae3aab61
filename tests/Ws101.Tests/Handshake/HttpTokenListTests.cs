using CsCheck;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class HttpTokenListTests
{
    // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    [Fact]
    public void token_characters_are_exactly_those_of_rfc_9110()
    {
        const string tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int c = 0; c < 256; c++)
        {
            Assert.Equal(tchar.Contains((char)c, StringComparison.Ordinal), HttpTokenList.IsTokenChar((char)c));
        }
    }

    [Theory]
    [InlineData("chat", true)]
    [InlineData("v2.chat.example.com", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("a,b", false)]
    [InlineData("\"q\"", false)]
    [InlineData("caf\u00e9", false)]
    public void recognises_tokens(string text, bool token)
    {
        Assert.Equal(token, HttpTokenList.IsToken(text));
    }

    // RFC 9110 §5.6.1: a recipient MUST accept and ignore empty list elements, with OWS around elements.
    [Theory]
    [InlineData("a", new[] { "a" })]
    [InlineData("a,b", new[] { "a", "b" })]
    [InlineData(" a ,\tb\t, c ", new[] { "a", "b", "c" })]
    [InlineData(",,a,,", new[] { "a" })]
    [InlineData("", new string[0])]
    [InlineData(" , ", new string[0])]
    public void splits_comma_separated_lists(string value, string[] expected)
    {
        Assert.Equal(expected, HttpTokenList.Split(value));
    }

    [Fact]
    public void parses_token_lists_and_names_the_first_bad_element()
    {
        Assert.True(HttpTokenList.TryParseTokens("chat, superchat", out var ok, out var none));
        Assert.Equal(["chat", "superchat"], ok);
        Assert.Null(none);
        Assert.False(HttpTokenList.TryParseTokens("chat, super chat, x/y", out _, out var bad));
        Assert.Equal("super chat", bad);
    }

    [Fact]
    public void split_then_join_is_the_identity_for_token_lists()
    {
        var token = Gen.Char.AlphaNumeric.Array[1, 10].Select(c => new string(c));
        token.Array[0, 8].Sample(tokens =>
        {
            Assert.Equal(tokens, HttpTokenList.Split(string.Join(" , ", tokens)));
            Assert.True(HttpTokenList.TryParseTokens(string.Join(",", tokens), out var parsed, out _));
            Assert.Equal(tokens, parsed);
        }, iter: 300);
    }
}
