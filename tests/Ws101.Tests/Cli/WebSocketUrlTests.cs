using Ws101.Cli;

namespace Ws101.Tests.Cli;

/// <summary>
/// A URL on the command line is a WebSocket URL, RFC 6455 §3: "ws" or "wss", then host, port and path. What is wrong with
/// one that is not is said plainly, and the http:// or https:// address of a server gets its WebSocket URL in reply.
/// </summary>
public class WebSocketUrlTests
{
    [Theory]
    [InlineData("ws://127.0.0.1:8080/echo")]
    [InlineData("wss://example.test/socket?room=1")]
    public void ws_and_wss_urls_are_read_as_they_are(string text)
    {
        Assert.Equal(new Uri(text), WebSocketUrl.Parse(text));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/echo", "ws://127.0.0.1:8080/echo")]
    [InlineData("https://example.test/socket", "wss://example.test/socket")]
    [InlineData("http://example.test:443/x", "ws://example.test:443/x")]
    public void an_http_url_is_refused_with_the_websocket_url_of_the_same_server(string text, string instead)
    {
        var ex = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse(text));

        Assert.Equal($"'{text}' is not a ws:// or wss:// URL; for a WebSocket on that server use {instead}.", ex.Message);
    }

    [Fact]
    public void a_port_out_of_range_is_named_as_the_reason()
    {
        var ex = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse("ws://127.0.0.1:99999/"));

        Assert.StartsWith("'ws://127.0.0.1:99999/' is not a ws:// or wss:// URL: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("port", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("127.0.0.1:8080/echo", "ws://127.0.0.1:8080/echo")]
    [InlineData("localhost:8080", "ws://localhost:8080/")]
    public void a_url_without_a_scheme_is_refused_with_the_ws_url_it_likely_meant(string text, string meant)
    {
        var ex = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse(text));

        Assert.Equal($"'{text}' has no scheme; a WebSocket URL starts with ws:// or wss://, as in {meant}.", ex.Message);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("ws//x")]
    public void any_other_scheme_is_refused(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => WebSocketUrl.Parse(text));

        Assert.StartsWith($"'{text}' is not a ws:// or wss:// URL", ex.Message, StringComparison.Ordinal);
    }
}
