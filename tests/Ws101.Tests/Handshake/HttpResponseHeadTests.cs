using CsCheck;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class HttpResponseHeadTests
{
    private static string Parse(ReadOnlySpan<byte> input, HttpParseLimits? limits = null) =>
        Trickle.Describe(HttpResponseHead.Parse(input, limits), Trickle.ShowResponse);

    private static HandshakeProblem Invalid(byte[] bytes)
    {
        var r = HttpResponseHead.Parse(bytes);
        Assert.Equal(HttpParseStatus.Invalid, r.Status);
        return r.Problem!;
    }

    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    [Fact]
    public void parses_a_101_switching_protocols()
    {
        string text = Response101(RfcAccept, "Sec-WebSocket-Protocol: chat");
        var r = HttpResponseHead.Parse(Latin1(text));
        Assert.Equal(HttpParseStatus.Complete, r.Status);
        Assert.Equal(text.Length, r.BytesConsumed);
        var h = r.Head!;
        Assert.Equal(101, h.StatusCode);
        Assert.Equal("Switching Protocols", h.ReasonPhrase);
        Assert.Equal(new Version(1, 1), h.Version);
        Assert.Equal("HTTP/1.1 101 Switching Protocols", h.StatusLine);
        Assert.Equal(RfcAccept, h.Headers.GetFirst("sec-websocket-accept"));
        Assert.Equal("chat", h.Headers.GetFirst("Sec-WebSocket-Protocol"));
        Assert.Equal(4, h.Headers.Count);
    }

    // RFC 9112 §4: the reason phrase is optional, and so is, in practice, the space before it.
    [Theory]
    [InlineData("HTTP/1.1 101", 101, "")]
    [InlineData("HTTP/1.1 101 ", 101, "")]
    [InlineData("HTTP/1.1 404 Not Found", 404, "Not Found")]
    [InlineData("HTTP/1.0 200 OK", 200, "OK")]
    [InlineData("HTTP/1.1 426 Upgrade  Required", 426, "Upgrade  Required")]
    public void parses_status_lines_with_and_without_a_reason_phrase(string line, int code, string reason)
    {
        var h = ParseResponse(line + "\r\nX: y\r\n\r\n");
        Assert.Equal(code, h.StatusCode);
        Assert.Equal(reason, h.ReasonPhrase);
    }

    [Fact]
    public void keeps_the_http_version_of_an_http_1_0_answer()
    {
        Assert.Equal(new Version(1, 0), ParseResponse("HTTP/1.0 101 Switching Protocols\r\n\r\n").Version);
    }

    // RFC 9112 §4: status-code = 3DIGIT.
    [Theory]
    [InlineData("HTTP/1.1 1O1 Switching Protocols", "not three digits")]
    [InlineData("HTTP/1.1 10 Switching", "not three digits")]
    [InlineData("HTTP/1.1 1010 Switching", "not three digits")]
    [InlineData("HTTP/1.1 099 Low", "below 100")]
    [InlineData("HTTP/1.1  101 Switching", "not three digits")]
    [InlineData("HTTP/11 101 Switching Protocols", "not HTTP/x.y")]
    [InlineData("http/1.1 101 Switching Protocols", "not HTTP/x.y")]
    [InlineData("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13", "may not speak HTTP")]
    [InlineData("220 mail.example.com ESMTP Postfix", "may not speak HTTP")]
    [InlineData("HTTP/1.1", "not HTTP/x.y")]
    public void rejects_a_malformed_status_line(string line, string evidence)
    {
        var p = Invalid(Latin1(line + "\r\n\r\n"));
        Assert.Equal(HandshakeProblemCode.MalformedStatusLine, p.Code);
        Assert.Equal("status line", p.Subject);
        Assert.Equal(1, p.Line);
        Assert.Contains(evidence, p.Evidence, StringComparison.Ordinal);
        Assert.Equal(line, p.Actual);
    }

    // A ws:// client that reached a TLS port gets a TLS record back, which has no line end at all.
    [Fact]
    public void rejects_tls_bytes_at_once_without_waiting_for_a_line_end()
    {
        // A TLS alert record (handshake failure) and the start of a ServerHello.
        byte[][] samples = [[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28], [0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03]];
        foreach (var tls in samples)
        {
            for (int n = 1; n <= tls.Length; n++)
            {
                var p = Invalid(tls[..n]);
                Assert.Equal(HandshakeProblemCode.MalformedStatusLine, p.Code);
                Assert.Contains("TLS", p.Evidence, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void rejects_a_binary_byte_in_a_partial_status_line_but_not_a_pending_cr()
    {
        Assert.Equal("NeedMoreData", Parse("HTTP/1.1 101 Switching Protocols\r"u8));
        Assert.Equal("NeedMoreData", Parse("\r\nHTTP/1.1 1"u8));
        var p = Invalid([.. "HTTP/1.1 101\0"u8]);
        Assert.Equal(HandshakeProblemCode.MalformedStatusLine, p.Code);
        Assert.Contains("column 13", p.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void reports_a_malformed_header_in_a_response_with_its_line()
    {
        var p = Invalid(Latin1("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection Upgrade\r\n\r\n"));
        Assert.Equal(HandshakeProblemCode.MalformedHeader, p.Code);
        Assert.Equal(3, p.Line);
    }

    [Fact]
    public void leaves_the_first_frame_after_the_101_alone()
    {
        byte[] head = Latin1(Response101());
        byte[] input = [.. head, 0x81, 0x05, .. "Hello"u8];
        var r = HttpResponseHead.Parse(input);
        Assert.Equal(head.Length, r.BytesConsumed);
        Assert.Equal([0x81, 0x05, .. "Hello"u8], input[r.BytesConsumed..]);
    }

    [Fact]
    public void accepts_bare_lf_line_ends()
    {
        string lf = Response101().Replace("\r\n", "\n", StringComparison.Ordinal);
        var r = HttpResponseHead.Parse(Latin1(lf));
        Assert.Equal(HttpParseStatus.Complete, r.Status);
        Assert.Equal(lf.Length, r.BytesConsumed);
        Assert.Equal(RfcAccept, r.Head!.Headers.GetFirst("Sec-WebSocket-Accept"));
    }

    [Fact]
    public void needs_more_data_for_every_strict_prefix_and_trickles_to_the_whole_result()
    {
        byte[] head = Latin1(Response101(RfcAccept, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"));
        byte[] input = [.. head, 0x81, 0x00];
        string whole = Parse(input);
        Assert.StartsWith($"Complete {head.Length} 101 ", whole, StringComparison.Ordinal);
        Trickle.Feed(input, Enumerable.Range(1, input.Length), b => Parse(b), whole, head.Length);
        Gen.Int[1, input.Length - 1].Array[1, 30].Sample(cuts =>
        {
            Trickle.Feed(input, cuts, b => Parse(b), whole, head.Length);
            Assert.Equal(whole, Trickle.Describe(HttpResponseHead.Parse(Segmented(input, cuts.Distinct().Order().ToList())), Trickle.ShowResponse));
        }, iter: 300);
    }

    [Fact]
    public void enforces_the_same_limits_as_for_requests()
    {
        var limits = new HttpParseLimits { MaxLineLength = 40, MaxHeaderCount = 2, MaxHeadBytes = 4096 };
        Assert.StartsWith("Complete", Parse(Latin1("HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\n\r\n"), limits), StringComparison.Ordinal);
        Assert.Equal("Invalid too-many-headers line 4", Parse(Latin1("HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), limits));
        Assert.Equal("Invalid line-too-long line 2", Parse(Latin1("HTTP/1.1 101 OK\r\nA: " + new string('x', 38) + "\r\n\r\n"), limits));
        Assert.StartsWith("Complete", Parse(Latin1("HTTP/1.1 101 OK\r\nA: " + new string('x', 37) + "\r\n\r\n"), limits), StringComparison.Ordinal);
    }

    [Fact]
    public void random_bytes_give_only_a_documented_result_and_large_ones_are_invalid()
    {
        var limits = new HttpParseLimits { MaxLineLength = 64, MaxHeaderCount = 8, MaxHeadBytes = 256 };
        Gen.Byte.Array[0, 2000].Sample(bytes =>
        {
            var r = HttpResponseHead.Parse(bytes, limits);
            Assert.True(r.Status is HttpParseStatus.Complete or HttpParseStatus.NeedMoreData or HttpParseStatus.Invalid);
            Assert.Equal(r.Status == HttpParseStatus.Invalid, r.Problem is not null);
            Assert.Equal(r.Status == HttpParseStatus.Complete, r.Head is not null);
            if (bytes.Length > 256)
            {
                Assert.NotEqual(HttpParseStatus.NeedMoreData, r.Status);
            }
        }, iter: 2000);
    }

    [Fact]
    public void random_text_after_http_1_1_never_throws()
    {
        Gen.Char[' ', '~'].Array[0, 30].Sample(tail =>
        {
            var r = HttpResponseHead.Parse(Latin1("HTTP/1.1 " + new string(tail) + "\r\n\r\n"));
            Assert.NotEqual(HttpParseStatus.NeedMoreData, r.Status);
            if (r.Status == HttpParseStatus.Complete)
            {
                Assert.InRange(r.Head!.StatusCode, 100, 999);
            }
            else
            {
                Assert.Equal(HandshakeProblemCode.MalformedStatusLine, r.Problem!.Code);
            }
        }, iter: 1000);
    }

    // Found by fuzzing (fuzz/regressions/http-response/limit-span-vs-segments): as for requests, the problem of a head
    // past the byte limit depended on whether its bytes arrived in one piece.
    [Fact]
    public void a_head_past_the_byte_limit_gets_the_same_problem_in_one_span_and_in_segments()
    {
        var limits = new HttpParseLimits { MaxLineLength = 50, MaxHeadBytes = 100 };
        byte[] bytes = Latin1("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Long: " + new string('l', 150) + "\r\n\r\n");
        var whole = HttpResponseHead.Parse(bytes, limits);
        var segmented = HttpResponseHead.Parse(Segmented(bytes, [10]), limits);
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, whole.Problem!.Code);
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, segmented.Problem!.Code);
    }
}
