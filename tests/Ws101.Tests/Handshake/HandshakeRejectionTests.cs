using System.Text;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class HandshakeRejectionTests
{
    /// <summary>Parses the rejection's bytes back as HTTP and checks the framing: the body is exactly Content-Length bytes.</summary>
    private static HttpResponseHead ParseBack(HandshakeRejection rejection, string connection = "close")
    {
        byte[] bytes = rejection.ToResponseBytes();
        Assert.Equal(Encoding.UTF8.GetBytes(rejection.ToResponseText()), bytes);
        var parsed = HttpResponseHead.Parse(bytes);
        Assert.Equal(HttpParseStatus.Complete, parsed.Status);
        var head = parsed.Head!;
        Assert.Equal(rejection.StatusCode, head.StatusCode);
        Assert.Equal(rejection.ReasonPhrase, head.ReasonPhrase);
        byte[] body = bytes[parsed.BytesConsumed..];
        Assert.Equal(Encoding.UTF8.GetByteCount(rejection.Body), body.Length);
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers.GetFirst("Content-Length"));
        Assert.Equal(rejection.Body, Encoding.UTF8.GetString(body));
        Assert.Equal("text/plain; charset=utf-8", head.Headers.GetFirst("Content-Type"));
        Assert.Equal(connection, head.Headers.GetFirst("Connection"));
        Assert.Equal(1, head.Headers.CountOf("Content-Length"));
        return head;
    }

    public static TheoryData<string, int> Requests => new()
    {
        { UpgradeRequest(requestLine: "POST /chat HTTP/1.1"), 405 },
        { UpgradeRequest(l => [.. l.Where(x => !x.StartsWith("Host", StringComparison.Ordinal))]), 400 },
        { UpgradeRequest(l => [.. l.Select(x => x.StartsWith("Sec-WebSocket-Version", StringComparison.Ordinal) ? "Sec-WebSocket-Version: 8" : x)]), 426 },
        { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 426 },
        { UpgradeRequest(requestLine: "GET /chat HTTP/1.0"), 400 },
    };

    // RFC 9112 §6: a response with a body carries Content-Length; the rejection must be well-formed HTTP.
    [Theory]
    [MemberData(nameof(Requests))]
    public void every_rejection_is_well_formed_http_that_parses_back(string request, int status)
    {
        var rejection = ServerHandshake.Validate(ParseRequest(request)).Rejection!;
        Assert.Equal(status, rejection.StatusCode);
        var head = ParseBack(rejection, status == 426 ? "Upgrade, close" : "close");
        Assert.Equal("13", head.Headers.GetFirst("Sec-WebSocket-Version"));
        Assert.StartsWith($"{status} {rejection.ReasonPhrase}: this is a WebSocket endpoint", rejection.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void the_body_names_each_problem_with_its_id_and_what_came()
    {
        var rejection = ServerHandshake.Validate(ParseRequest(UpgradeRequest(l =>
            [.. l.Select(x => x.StartsWith("Upgrade", StringComparison.Ordinal) ? "Upgrade: h2c" : x), "Host: second"]))).Rejection!;
        string[] lines = rejection.Body.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("- duplicate-host (Host): ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("- upgrade-not-websocket (Upgrade): ", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("Received: h2c.", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void content_length_counts_utf8_bytes_when_the_body_quotes_non_ascii_text()
    {
        // The Upgrade value arrives as Latin-1 bytes; quoted in the UTF-8 body, 'é' takes two bytes.
        var request = UpgradeRequest(l => [.. l.Select(x => x.StartsWith("Upgrade", StringComparison.Ordinal) ? "Upgrade: w\u00e9bsocket" : x)]);
        var rejection = ServerHandshake.Validate(ParseRequest(request)).Rejection!;
        Assert.Contains("w\u00e9bsocket", rejection.Body, StringComparison.Ordinal);
        Assert.NotEqual(rejection.Body.Length, Encoding.UTF8.GetByteCount(rejection.Body));
        ParseBack(rejection);
    }

    [Fact]
    public void an_application_rejection_carries_its_status_reason_and_headers()
    {
        var rejection = HandshakeRejection.ByApplication(403, "origin https://evil.example is not allowed", [new("X-Reason", "origin")]);
        Assert.Equal(403, rejection.StatusCode);
        Assert.Equal("Forbidden", rejection.ReasonPhrase);
        var problem = Assert.Single(rejection.Problems);
        Assert.Equal(HandshakeProblemCode.RejectedByApplication, problem.Code);
        Assert.Contains("origin https://evil.example is not allowed", problem.Explanation, StringComparison.Ordinal);
        var head = ParseBack(rejection);
        Assert.Equal("origin", head.Headers.GetFirst("X-Reason"));
        Assert.Equal("403 Forbidden: origin https://evil.example is not allowed\n", rejection.Body);
        Assert.Equal("Error", HandshakeRejection.ByApplication(499, "custom").ReasonPhrase);
    }

    [Theory]
    [InlineData(101)]
    [InlineData(200)]
    [InlineData(302)]
    [InlineData(600)]
    public void an_application_rejection_must_be_a_4xx_or_5xx(int status)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HandshakeRejection.ByApplication(status, "no"));
    }

    [Theory]
    [InlineData("X-A", "a\r\nSet-Cookie: x")]
    [InlineData("X-A", "a\0")]
    [InlineData("X A", "a")]
    public void an_application_rejection_refuses_injected_or_malformed_headers(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => HandshakeRejection.ByApplication(401, "login", [new(name, value)]));
    }

    [Fact]
    public void an_application_rejection_needs_a_reason_and_a_rejection_needs_a_problem()
    {
        Assert.ThrowsAny<ArgumentException>(() => HandshakeRejection.ByApplication(401, " "));
        Assert.Throws<ArgumentException>(() => HandshakeRejection.For([]));
    }

    // RFC 9110 §15.5.22: a server MUST send an Upgrade header field in a 426 response; §7.8: with the "upgrade" connection option.
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")]
    public void every_426_names_websocket_in_upgrade_and_connection(string request)
    {
        var rejection = ServerHandshake.Validate(ParseRequest(request)).Rejection!;
        Assert.Equal(426, rejection.StatusCode);
        var head = ParseBack(rejection, connection: "Upgrade, close");
        Assert.Equal("websocket", head.Headers.GetFirst("Upgrade"));
        Assert.True(head.Headers.ContainsToken("Connection", "upgrade"));
        Assert.True(head.Headers.ContainsToken("Connection", "close"));
    }

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("content-type")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Connection")]
    public void an_application_rejection_refuses_headers_that_frame_the_response(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => HandshakeRejection.ByApplication(403, "no", [new(name, "5")]));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }
}
