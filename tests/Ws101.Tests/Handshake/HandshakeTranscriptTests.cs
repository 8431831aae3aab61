using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class HandshakeTranscriptTests
{
    [Fact]
    public void splits_a_request_alone()
    {
        var t = HandshakeTranscript.Parse(UpgradeRequest());
        Assert.Equal(UpgradeRequest(), t.RequestText);
        Assert.Null(t.ResponseText);
        Assert.Null(t.ResponseBody);
    }

    [Fact]
    public void splits_a_response_alone()
    {
        var t = HandshakeTranscript.Parse(Response101());
        Assert.Null(t.RequestText);
        Assert.Equal(Response101(), t.ResponseText);
    }

    [Fact]
    public void splits_request_and_response_with_crlf_or_bare_lf_into_crlf_heads()
    {
        string both = UpgradeRequest() + Response101();
        foreach (string text in new[] { both, both.Replace("\r\n", "\n", StringComparison.Ordinal) })
        {
            var t = HandshakeTranscript.Parse(text);
            Assert.Equal(UpgradeRequest(), t.RequestText);
            Assert.Equal(Response101(), t.ResponseText);
            Assert.Null(t.ResponseBody);
        }
    }

    [Fact]
    public void supplies_the_missing_final_empty_line_and_skips_blank_lines_around()
    {
        string pasted = "\n\n  \n" + UpgradeRequest().TrimEnd() + "\n\n\n" + Response101().TrimEnd();
        var t = HandshakeTranscript.Parse(pasted);
        Assert.Equal(UpgradeRequest(), t.RequestText);
        Assert.Equal(Response101(), t.ResponseText);
    }

    [Fact]
    public void keeps_the_body_after_the_response_head()
    {
        var t = HandshakeTranscript.Parse("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>\r\n<body>hi</body></html>\r\n");
        Assert.Equal("<html>\n<body>hi</body></html>", t.ResponseBody);
    }

    [Fact]
    public void keeps_a_stray_cr_inside_a_line_as_evidence()
    {
        var t = HandshakeTranscript.Parse("GET / HTTP/1.1\r\nSec-WebSocket-Key: abc\r\r\n\r\n");
        Assert.Contains("abc\r\r\n", t.RequestText, StringComparison.Ordinal);
    }

    // curl -v: "> " request lines, "< " response lines, "* " comments.
    [Fact]
    public void reads_curl_verbose_output()
    {
        string curl =
            "*   Trying 127.0.0.1:8080...\n" +
            "* Connected to localhost (127.0.0.1) port 8080\n" +
            "> GET /chat HTTP/1.1\r\n" +
            "> Host: localhost:8080\r\n" +
            "> User-Agent: curl/8.5.0\r\n" +
            "> Upgrade: websocket\r\n" +
            "> Connection: Upgrade\r\n" +
            "> Sec-WebSocket-Key: " + RfcKey + "\r\n" +
            "> Sec-WebSocket-Version: 13\r\n" +
            ">\r\n" +
            "< HTTP/1.1 101 Switching Protocols\r\n" +
            "< Upgrade: websocket\r\n" +
            "< Connection: Upgrade\r\n" +
            "< Sec-WebSocket-Accept: " + RfcAccept + "\r\n" +
            "<\r\n" +
            "* Connection #0 to host localhost left intact\n";
        var t = HandshakeTranscript.Parse(curl);
        Assert.StartsWith("GET /chat HTTP/1.1\r\nHost: localhost:8080\r\n", t.RequestText, StringComparison.Ordinal);
        Assert.EndsWith("Sec-WebSocket-Version: 13\r\n\r\n", t.RequestText, StringComparison.Ordinal);
        Assert.Equal(Response101(), t.ResponseText);
        Assert.Null(t.ResponseBody);
    }

    [Fact]
    public void reads_the_body_of_a_curl_verbose_answer()
    {
        string curl = "> GET / HTTP/1.1\n> Host: a\n>\n< HTTP/1.1 404 Not Found\n< Content-Type: text/plain\n<\nno such endpoint\n* closing\n";
        var t = HandshakeTranscript.Parse(curl);
        Assert.Equal("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n", t.ResponseText);
        Assert.Equal("no such endpoint", t.ResponseBody);
    }

    [Fact]
    public void starts_the_response_at_a_status_line_even_without_an_empty_line_before_it()
    {
        string text = UpgradeRequest().TrimEnd() + "\n" + Response101();
        var t = HandshakeTranscript.Parse(text);
        Assert.Equal(UpgradeRequest(), t.RequestText);
        Assert.Equal(Response101(), t.ResponseText);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n  \n")]
    public void finds_nothing_in_blank_text(string text)
    {
        var t = HandshakeTranscript.Parse(text);
        Assert.Null(t.RequestText);
        Assert.Null(t.ResponseText);
    }

    [Fact]
    public void keeps_an_unrecognised_first_line_as_a_request_so_that_it_is_diagnosed()
    {
        var t = HandshakeTranscript.Parse("SSH-2.0-OpenSSH_9.6\n");
        Assert.Equal("SSH-2.0-OpenSSH_9.6\r\n\r\n", t.RequestText);
    }
}
