using System.Text.Json;
using Ws101.Cli.Diagnose;

namespace Ws101.Tests.Cli.Diagnose;

/// <summary><c>ws101 diagnose</c> reading a browser's HAR export: the WebSocket entry, over HTTP/1.1 or HTTP/2.</summary>
public class HarTranscriptTests
{
    private static string Har(params object[] entries) => JsonSerializer.Serialize(new { log = new { version = "1.2", entries } });

    private static object[] Fields(params (string Name, string Value)[] fields) => [.. fields.Select(f => new { name = f.Name, value = f.Value })];

    private static object Page() => new
    {
        request = new { method = "GET", url = "https://example.com/", httpVersion = "h2", headers = Fields((":method", "GET"), (":path", "/")) },
        response = new { status = 200, statusText = "", httpVersion = "h2", headers = Fields(("content-type", "text/html")) },
    };

    /// <summary>An RFC 8441 WebSocket as Chromium records it: pseudo-header fields in the request, httpVersion h2.</summary>
    private static object Http2WebSocket(params (string Name, string Value)[] responseFields) => new
    {
        _resourceType = "websocket",
        request = new
        {
            method = "GET",
            url = "wss://example.com/chat",
            httpVersion = "h2",
            headers = Fields((":method", "CONNECT"), (":authority", "example.com"), (":scheme", "https"), (":path", "/chat"), (":protocol", "websocket"),
                ("origin", "https://example.com"), ("sec-websocket-version", "13"), ("sec-websocket-extensions", "permessage-deflate; client_max_window_bits")),
        },
        response = new { status = 200, statusText = "", httpVersion = "h2", headers = Fields(responseFields) },
    };

    [Fact]
    public void an_http2_websocket_entry_is_read_as_an_extended_connect_with_no_accept_to_check()
    {
        var r = CliRunner.Run(Har(Page(), Http2WebSocket(("date", "Sat, 05 Dec 2026 11:00:00 GMT"))), "diagnose");

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        Assert.Contains("note: read HAR entry 1 (wss://example.com/chat), httpVersion h2: an RFC 8441 extended CONNECT", r.Out, StringComparison.Ordinal);
        Assert.Contains(":protocol: websocket", r.Out, StringComparison.Ordinal);
        Assert.Contains(":status: 200", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Expected Sec-WebSocket-Accept", r.Out, StringComparison.Ordinal);
        Assert.Contains("OK: the handshake is valid.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void an_http2_answer_carrying_an_accept_value_is_named_as_http11_headers_in_http2()
    {
        var r = CliRunner.Run(Har(Http2WebSocket(("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))), "diagnose");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[upgrade-headers-in-http2]", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void an_http2_entry_without_pseudo_header_fields_is_rebuilt_from_its_url_as_the_extended_connect_it_was()
    {
        var entry = new
        {
            request = new { method = "GET", url = "wss://example.com:8443/chat?room=1", httpVersion = "HTTP/2.0", headers = Fields(("Sec-WebSocket-Version", "13")) },
            response = new { status = 200, statusText = "", httpVersion = "HTTP/2.0", headers = Fields() },
        };
        Assert.True(HarTranscript.TryConvert(Har(entry), out string transcript, out _, out string? error), error);

        Assert.Equal(":method: CONNECT\r\n:protocol: websocket\r\n:scheme: https\r\n:authority: example.com:8443\r\n:path: /chat?room=1\r\n"
            + "sec-websocket-version: 13\r\n\r\n:status: 200\r\n\r\n", transcript);
    }

    [Fact]
    public void an_http11_entry_is_read_as_the_upgrade_it_was_and_its_accept_is_checked()
    {
        var entry = new
        {
            request = new
            {
                method = "GET",
                url = "ws://example.com/chat",
                httpVersion = "HTTP/1.1",
                headers = Fields(("Host", "example.com"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")),
            },
            response = new
            {
                status = 101,
                statusText = "Switching Protocols",
                httpVersion = "HTTP/1.1",
                headers = Fields(("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", "dGhlIHNhbXBsZSBub25jZQ==")),
            },
        };
        var r = CliRunner.Run(Har(entry), "diagnose");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("GET /chat HTTP/1.1", r.Out, StringComparison.Ordinal);
        Assert.Contains("[accept-mismatch]", r.Out, StringComparison.Ordinal);
        Assert.Contains("Expected Sec-WebSocket-Accept for the request's key: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"log\": {\"entries\": []}}", "none of the HAR's 0 entries is a WebSocket handshake")]
    [InlineData("{\"not\": \"a har\"}", "not a HAR file")]
    [InlineData("{\"log\": ", "not JSON")]
    public void json_that_holds_no_websocket_handshake_is_a_usage_error_that_says_why(string json, string reason)
    {
        var r = CliRunner.Run(json, "diagnose");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(reason, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void a_har_may_be_larger_than_a_transcript_but_not_without_bound()
    {
        string padding = new('x', 100_000);
        var big = Har(new { request = new { method = "GET", url = "https://example.com/", headers = Fields(("x-pad", padding)) } }, Http2WebSocket());
        Assert.Equal(0, CliRunner.Run(big, "diagnose").ExitCode);

        var tooBig = CliRunner.Run(new string(' ', HarTranscript.MaxLength + 1), "diagnose");
        Assert.Equal(2, tooBig.ExitCode);
        Assert.Contains("longer than", tooBig.Error, StringComparison.Ordinal);
    }
}
