using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class WebSocketExtensionTests
{
    private static List<WebSocketExtension> Parse(string value)
    {
        var list = new List<WebSocketExtension>();
        Assert.True(WebSocketExtension.TryParse(value, list, out var error), error);
        return list;
    }

    // RFC 6455 §9.1: extension-list = 1#extension; extension = extension-token *( ";" extension-param )
    [Fact]
    public void parses_the_chromium_offer()
    {
        var e = Assert.Single(Parse("permessage-deflate; client_max_window_bits"));
        Assert.Equal("permessage-deflate", e.Name);
        var p = Assert.Single(e.Parameters);
        Assert.Equal(new ExtensionParameter("client_max_window_bits", null), p);
    }

    [Fact]
    public void parses_several_elements_with_valued_and_quoted_parameters()
    {
        var list = Parse("permessage-deflate; client_max_window_bits=10 ; server_no_context_takeover, x-webkit-deflate-frame,foo;bar=\"baz\"");
        Assert.Equal(["permessage-deflate", "x-webkit-deflate-frame", "foo"], list.Select(e => e.Name));
        Assert.Equal([new ExtensionParameter("client_max_window_bits", "10"), new ExtensionParameter("server_no_context_takeover", null)], list[0].Parameters);
        Assert.Empty(list[1].Parameters);
        Assert.Equal("baz", list[2].Parameters[0].Value);
    }

    // RFC 6455 §9.1: a quoted-string value, once unescaped, must conform to the token ABNF.
    [Fact]
    public void unescapes_quoted_values_and_requires_a_token_inside()
    {
        Assert.Equal("10", Parse("x; a=\"1\\0\"")[0].Parameters[0].Value);
        var list = new List<WebSocketExtension>();
        Assert.False(WebSocketExtension.TryParse("x; a=\"1 0\"", list, out var error));
        Assert.Contains("not a token", error, StringComparison.Ordinal);
        Assert.False(WebSocketExtension.TryParse("x; a=\"10", [], out error));
        Assert.Contains("not closed", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x;", "parameter name")]
    [InlineData("; a", "extension name")]
    [InlineData("x; a=", "value for 'a'")]
    [InlineData("x y", "expected ','")]
    [InlineData("x; a b", "expected ','")]
    [InlineData("x/y", "expected ','")]
    public void rejects_values_outside_the_grammar_with_the_column(string value, string error)
    {
        Assert.False(WebSocketExtension.TryParse(value, [], out var why));
        Assert.Contains(error, why, StringComparison.Ordinal);
    }

    // RFC 9110 §5.6.1: empty list elements are ignored.
    [Fact]
    public void ignores_empty_elements()
    {
        Assert.Equal(["a", "b"], Parse(", a,, b ,").Select(e => e.Name));
        Assert.Empty(Parse(""));
    }

    [Fact]
    public void formats_as_it_parses()
    {
        var list = new[]
        {
            new WebSocketExtension("permessage-deflate", [new("client_max_window_bits", null), new("server_max_window_bits", "10")]),
            new WebSocketExtension("x-other"),
        };
        string text = WebSocketExtension.Format(list);
        Assert.Equal("permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-other", text);
        Assert.Equal(text, WebSocketExtension.Format(Parse(text)));
    }

    [Fact]
    public void refuses_a_name_that_is_not_a_token()
    {
        Assert.Throws<ArgumentException>(() => new WebSocketExtension("per message"));
        Assert.Throws<ArgumentException>(() => new WebSocketExtension(""));
    }

    // RFC 6455 §9.1: extension-param = token [ "=" (token | quoted-string) ], the quoted value being a token once unquoted.
    [Theory]
    [InlineData("a b", null)]
    [InlineData("", null)]
    [InlineData("bits", "1 0")]
    [InlineData("bits", "")]
    [InlineData("bits", "a\r\nX: y")]
    public void refuses_parameters_that_cannot_be_written_in_the_grammar(string name, string? value)
    {
        Assert.Throws<ArgumentException>(() => new WebSocketExtension("x", [new ExtensionParameter(name, value)]));
    }
}
