using System.Buffers;
using System.Text;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class ServerHandshakeTests
{
    private static ServerHandshakeResult Validate(string text) => ServerHandshake.Validate(ParseRequest(text));

    private static HandshakeRejection Rejected(string text, HandshakeProblemCode code, int status)
    {
        var result = Validate(text);
        Assert.False(result.IsValid);
        Assert.Null(result.Request);
        var rejection = result.Rejection!;
        Assert.Equal(code, rejection.Problems[0].Code);
        Assert.Equal(status, rejection.StatusCode);
        return rejection;
    }

    private static string Header(HandshakeRejection r, string name) =>
        Assert.Single(r.Headers, h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static Func<List<string>, List<string>> Without(string name) =>
        lines => lines.Where(l => !l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).ToList();

    private static Func<List<string>, List<string>> Replace(string name, string value) =>
        lines => lines.Select(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase) ? $"{name}: {value}" : l).ToList();

    private static Func<List<string>, List<string>> Add(params string[] extra) => lines => [.. lines, .. extra];

    // ---- accepted requests (RFC 6455 §4.2.1) ----

    [Fact]
    public void accepts_a_chromium_request_and_exposes_everything_it_carries()
    {
        var result = Validate(ChromiumRequest);
        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
        Assert.Null(result.Rejection);
        var r = result.Request!;
        Assert.Equal("/chat?room=1", r.Target);
        Assert.Equal("/chat", r.Path);
        Assert.Equal("room=1", r.Query);
        Assert.Equal("example.com:8080", r.Host);
        Assert.Equal(RfcKey, r.Key);
        Assert.Equal(13, r.Version);
        Assert.Equal("https://example.com", r.Origin);
        Assert.Empty(r.Subprotocols);
        var e = Assert.Single(r.Extensions);
        Assert.Equal("permessage-deflate", e.Name);
        Assert.Equal("client_max_window_bits", Assert.Single(e.Parameters).Name);
        Assert.Equal("gzip, deflate, br, zstd", r.Headers.GetFirst("Accept-Encoding"));
        Assert.Equal(12, r.Headers.Count);
    }

    [Fact]
    public void exposes_subprotocols_from_every_line_in_order_and_extension_parameters()
    {
        var r = Validate(UpgradeRequest(Add(
            "Sec-WebSocket-Protocol: chat, superchat",
            "Sec-WebSocket-Protocol: v3.chat",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-custom; mode=\"fast\""))).Request!;
        Assert.Equal(["chat", "superchat", "v3.chat"], r.Subprotocols);
        Assert.Equal(["permessage-deflate", "x-custom"], r.Extensions.Select(e => e.Name));
        Assert.Equal("10", r.Extensions[0].Parameters[1].Value);
        Assert.Equal("fast", r.Extensions[1].Parameters[0].Value);
        Assert.Null(r.Origin);
    }

    // RFC 6455 §4.2.1 items 3 and 4: ASCII case-insensitive, and Connection is a list.
    [Theory]
    [InlineData("websocket", "Upgrade")]
    [InlineData("WebSocket", "upgrade")]
    [InlineData("WEBSOCKET", "keep-alive, Upgrade")]
    [InlineData("h2c, websocket", "Upgrade, keep-alive")]
    public void accepts_upgrade_and_connection_in_any_case_and_in_lists(string upgrade, string connection)
    {
        Assert.True(Validate(UpgradeRequest(l => Replace("Connection", connection)(Replace("Upgrade", upgrade)(l)))).IsValid);
    }

    [Fact]
    public void accepts_a_request_with_content_length_zero()
    {
        Assert.True(Validate(UpgradeRequest(Add("Content-Length: 0"))).IsValid);
    }

    // ---- rejections, each with its status ----

    // RFC 6455 §4.2.1 item 1: the method of the request MUST be GET; RFC 9110 §15.5.6: 405 lists the allowed methods.
    [Fact]
    public void rejects_a_post_upgrade_with_405_and_allow_get()
    {
        var r = Rejected(UpgradeRequest(requestLine: "POST /chat HTTP/1.1"), HandshakeProblemCode.MethodNotGet, 405);
        Assert.Equal("GET", Header(r, "Allow"));
        Assert.Equal("POST", r.Problems[0].Actual);
        Assert.Equal("Method Not Allowed", r.ReasonPhrase);
    }

    // RFC 6455 §4.2.1 item 1: an HTTP/1.1 or higher GET request.
    [Fact]
    public void rejects_an_http_1_0_request_with_a_non_101_answer()
    {
        var r = Rejected(UpgradeRequest(requestLine: "GET /chat HTTP/1.0"), HandshakeProblemCode.HttpVersionTooOld, 400);
        Assert.Equal("HTTP/1.0", r.Problems[0].Actual);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", r.ToResponseText(), StringComparison.Ordinal);
    }

    [Fact]
    public void accepts_a_request_of_a_later_http_version()
    {
        Assert.True(Validate(UpgradeRequest(requestLine: "GET /chat HTTP/1.2")).IsValid);
    }

    // RFC 6455 §4.2.2 and RFC 9110 §15.5.22: a page load of the endpoint gets 426 with the protocol to upgrade to.
    [Fact]
    public void rejects_a_plain_get_with_426_plain_http_request()
    {
        var r = Rejected("GET /chat HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\n\r\n", HandshakeProblemCode.PlainHttpRequest, 426);
        Assert.Single(r.Problems);
        Assert.Equal("websocket", Header(r, "Upgrade"));
        Assert.Equal("13", Header(r, "Sec-WebSocket-Version"));
    }

    // RFC 6455 §4.2.1 item 2: a |Host| header field containing the server's authority.
    [Fact]
    public void rejects_a_request_without_host_with_400()
    {
        var r = Rejected(UpgradeRequest(Without("Host")), HandshakeProblemCode.MissingHost, 400);
        Assert.Equal("no Host header", r.Problems[0].Actual);
        Assert.Single(r.Problems);
        Rejected(UpgradeRequest(Replace("Host", "")), HandshakeProblemCode.MissingHost, 400);
    }

    // RFC 9112 §3.2: a server MUST respond with 400 to a request with more than one Host.
    [Fact]
    public void rejects_a_request_with_two_host_lines_with_400()
    {
        var r = Rejected(UpgradeRequest(Add("Host: evil.example")), HandshakeProblemCode.DuplicateHost, 400);
        Assert.Equal(7, r.Problems[0].Line);
    }

    // RFC 6455 §4.2.1 item 3.
    [Fact]
    public void rejects_a_request_without_upgrade_with_400()
    {
        Rejected(UpgradeRequest(Without("Upgrade")), HandshakeProblemCode.MissingUpgrade, 400);
    }

    [Fact]
    public void rejects_an_upgrade_to_another_protocol_with_400()
    {
        var r = Rejected(UpgradeRequest(Replace("Upgrade", "h2c")), HandshakeProblemCode.UpgradeNotWebSocket, 400);
        Assert.Equal("h2c", r.Problems[0].Actual);
        Assert.Equal(3, r.Problems[0].Line);
    }

    // RFC 6455 §4.2.1 item 4.
    [Theory]
    [InlineData("keep-alive")]
    [InlineData("close")]
    public void rejects_a_connection_without_the_upgrade_token_with_400(string connection)
    {
        var r = Rejected(UpgradeRequest(Replace("Connection", connection)), HandshakeProblemCode.ConnectionNotUpgrade, 400);
        Assert.Equal(connection, r.Problems[0].Actual);
        Rejected(UpgradeRequest(Without("Connection")), HandshakeProblemCode.ConnectionNotUpgrade, 400);
    }

    // RFC 6455 §4.2.1 item 5: a |Sec-WebSocket-Key| header field.
    [Fact]
    public void rejects_a_request_without_a_key_with_400()
    {
        Rejected(UpgradeRequest(Without("Sec-WebSocket-Key")), HandshakeProblemCode.MissingKey, 400);
    }

    // RFC 6455 §11.3.1: the Sec-WebSocket-Key header field MUST NOT appear more than once.
    [Fact]
    public void rejects_a_repeated_key_on_two_lines_or_merged_by_a_proxy_with_400()
    {
        var two = Rejected(UpgradeRequest(Add("Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==")), HandshakeProblemCode.DuplicateKey, 400);
        Assert.Equal(7, two.Problems[0].Line);
        Rejected(UpgradeRequest(Replace("Sec-WebSocket-Key", RfcKey + ", x3JJHMbDL1EzLkh9GBhXDw==")), HandshakeProblemCode.DuplicateKey, 400);
    }

    // RFC 6455 §4.2.1 item 5: a base64-encoded value that, when decoded, is 16 bytes in length.
    [Fact]
    public void rejects_a_request_whose_key_decodes_to_15_bytes_with_400()
    {
        string key = Convert.ToBase64String(new byte[15]);
        var r = Rejected(UpgradeRequest(Replace("Sec-WebSocket-Key", key)), HandshakeProblemCode.InvalidKey, 400);
        Assert.Contains("15 bytes", r.Problems[0].Evidence, StringComparison.Ordinal);
        Assert.Equal(key, r.Problems[0].Actual);
    }

    [Theory]
    [InlineData("dGhlIHNhbXBs ZSBub25jZQ==", "whitespace")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ", "padding was stripped")]
    [InlineData("-_hlIHNhbXBsZSBub25jZQ==", "base64url")]
    [InlineData("not a key at all", "whitespace")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "21 bytes")]
    public void rejects_an_ill_formed_key_with_400_and_says_why(string key, string why)
    {
        var r = Rejected(UpgradeRequest(Replace("Sec-WebSocket-Key", key)), HandshakeProblemCode.InvalidKey, 400);
        Assert.Contains(why, r.Problems[0].Evidence, StringComparison.Ordinal);
    }

    // RFC 6455 §4.2.2 item 4 and §4.4: another version gets 426 and the versions this server speaks.
    [Theory]
    [InlineData("8")]
    [InlineData("7")]
    [InlineData("thirteen")]
    [InlineData("13, 8")]
    public void rejects_another_version_with_426_and_sec_websocket_version_13(string version)
    {
        var r = Rejected(UpgradeRequest(Replace("Sec-WebSocket-Version", version)), HandshakeProblemCode.UnsupportedVersion, 426);
        Assert.Equal("13", Header(r, "Sec-WebSocket-Version"));
        Assert.Equal("Upgrade Required", r.ReasonPhrase);
        Assert.Equal(version, r.Problems[0].Actual);
    }

    [Fact]
    public void rejects_a_missing_version_with_400()
    {
        Rejected(UpgradeRequest(Without("Sec-WebSocket-Version")), HandshakeProblemCode.MissingVersion, 400);
    }

    // RFC 6455 §4.1 item 10: subprotocol values are tokens and MUST be unique.
    [Theory]
    [InlineData("chat, super chat", "'super chat' is not a token")]
    [InlineData("chat, chat", "'chat' is offered twice")]
    [InlineData("a/b", "not a token")]
    public void rejects_an_invalid_subprotocol_header_with_400(string value, string evidence)
    {
        var r = Rejected(UpgradeRequest(Add("Sec-WebSocket-Protocol: " + value)), HandshakeProblemCode.InvalidSubprotocolHeader, 400);
        Assert.Contains(evidence, r.Problems[0].Evidence, StringComparison.Ordinal);
    }

    // RFC 6455 §9.1.
    [Fact]
    public void rejects_an_extension_header_outside_the_grammar_with_400()
    {
        var r = Rejected(UpgradeRequest(Add("Sec-WebSocket-Extensions: permessage-deflate; ; x")), HandshakeProblemCode.InvalidExtensionHeader, 400);
        Assert.Equal(7, r.Problems[0].Line);
    }

    // After the 101 every byte is a frame, so a body would be read as frames.
    [Theory]
    [InlineData("Content-Length: 12")]
    [InlineData("Transfer-Encoding: chunked")]
    public void rejects_a_request_with_a_body_with_400(string header)
    {
        var r = Rejected(UpgradeRequest(Add(header)), HandshakeProblemCode.RequestHasBody, 400);
        Assert.Equal(header, r.Problems[0].Actual);
    }

    [Fact]
    public void collects_every_problem_and_lets_the_first_choose_the_status()
    {
        var r = Validate(UpgradeRequest(l => Replace("Sec-WebSocket-Version", "8")(Without("Host")(l)))).Rejection!;
        Assert.Equal([HandshakeProblemCode.MissingHost, HandshakeProblemCode.UnsupportedVersion], r.Problems.Select(p => p.Code));
        Assert.Equal(400, r.StatusCode);
    }

    // ---- Read: parsing and limits (RFC 9112 §2.3, RFC 6585 §5) ----

    private static ServerHandshakeResult? Read(string text, HttpParseLimits? limits, out int consumed) =>
        ServerHandshake.Read(new ReadOnlySequence<byte>(Latin1(text)), limits, out consumed);

    [Fact]
    public void read_waits_for_the_whole_head_then_validates_it()
    {
        string text = UpgradeRequest();
        Assert.Null(Read(text[..^1], null, out int none));
        Assert.Equal(0, none);
        var r = Read(text + "\x81\x80", null, out int consumed);
        Assert.True(r!.IsValid);
        Assert.Equal(text.Length, consumed);
    }

    [Fact]
    public void rejects_a_malformed_request_with_400()
    {
        var r = Read("GET /chat HTTP/1.1\r\nHost : a\r\n\r\n", null, out _)!;
        Assert.Equal(400, r.Rejection!.StatusCode);
        Assert.Equal(HandshakeProblemCode.MalformedHeader, r.Problems[0].Code);
        var line = Read("GET\r\n\r\n", null, out _)!;
        Assert.Equal(HandshakeProblemCode.MalformedRequestLine, line.Problems[0].Code);
        Assert.Equal(400, line.Rejection!.StatusCode);
        var fold = Read("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", null, out _)!;
        Assert.Equal(HandshakeProblemCode.ObsoleteLineFolding, fold.Problems[0].Code);
        Assert.Equal(400, fold.Rejection!.StatusCode);
    }

    [Fact]
    public void rejects_an_overlong_request_line_with_414_even_after_an_empty_line()
    {
        var limits = new HttpParseLimits { MaxLineLength = 64 };
        string line = "GET /" + new string('a', 60) + " HTTP/1.1\r\n\r\n";
        Assert.Equal(414, Read(line, limits, out _)!.Rejection!.StatusCode);
        Assert.Equal(414, Read("\r\n" + line, limits, out _)!.Rejection!.StatusCode);
    }

    [Fact]
    public void rejects_an_overlong_header_line_too_many_headers_or_a_huge_head_with_431()
    {
        var limits = new HttpParseLimits { MaxLineLength = 64, MaxHeaderCount = 3, MaxHeadBytes = 200 };
        var longLine = Read("GET / HTTP/1.1\r\nCookie: " + new string('c', 60) + "\r\n\r\n", limits, out _)!;
        Assert.Equal((HandshakeProblemCode.LineTooLong, 431), (longLine.Problems[0].Code, longLine.Rejection!.StatusCode));
        var many = Read(Request("/", "A: 1", "B: 2", "C: 3", "D: 4"), limits, out _)!;
        Assert.Equal((HandshakeProblemCode.TooManyHeaders, 431), (many.Problems[0].Code, many.Rejection!.StatusCode));
        var huge = Read(Request("/", "A: " + new string('a', 60), "B: " + new string('a', 60), "C: " + new string('a', 60)), limits, out _)!;
        Assert.Equal((HandshakeProblemCode.HeadTooLarge, 431), (huge.Problems[0].Code, huge.Rejection!.StatusCode));
        Assert.Equal("Request Header Fields Too Large", huge.Rejection.ReasonPhrase);
    }

    // ---- the 101 response (RFC 6455 §4.2.2 item 5) ----

    private static UpgradeRequest Accepted(params string[] extra) => Validate(UpgradeRequest(Add(extra))).Request!;

    [Fact]
    public void builds_a_101_with_the_accept_of_the_key()
    {
        string text = ServerHandshake.BuildAcceptResponse(Accepted());
        Assert.Equal(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            text);
        var head = ParseResponse(text);
        Assert.Equal(101, head.StatusCode);
        Assert.False(head.Headers.Contains("Sec-WebSocket-Protocol"));
        Assert.False(head.Headers.Contains("Sec-WebSocket-Extensions"));
    }

    // RFC 6455 §4.2.2 item 5.2: the server selects one or none of the acceptable protocols the client offered.
    [Fact]
    public void includes_the_subprotocol_only_when_the_client_offered_it()
    {
        var request = Accepted("Sec-WebSocket-Protocol: chat, superchat");
        var head = ParseResponse(ServerHandshake.BuildAcceptResponse(request, "superchat"));
        Assert.Equal("superchat", head.Headers.GetFirst("Sec-WebSocket-Protocol"));
        var ex = Assert.Throws<ArgumentException>(() => ServerHandshake.BuildAcceptResponse(request, "mqtt"));
        Assert.Equal("subprotocol", ex.ParamName);
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildAcceptResponse(request, "Chat"));
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildAcceptResponse(Accepted(), "chat"));
    }

    // RFC 6455 §9.1: the server answers only with extensions the client offered.
    [Fact]
    public void includes_extensions_only_when_the_client_offered_them()
    {
        var request = Accepted("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
        var answer = new WebSocketExtension("permessage-deflate", [new("server_no_context_takeover", null), new("client_max_window_bits", "12")]);
        var head = ParseResponse(ServerHandshake.BuildAcceptResponse(request, extensions: [answer]));
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_max_window_bits=12", head.Headers.GetFirst("Sec-WebSocket-Extensions"));
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildAcceptResponse(request, extensions: [new WebSocketExtension("x-other")]));
        Assert.False(ParseResponse(ServerHandshake.BuildAcceptResponse(request, extensions: [])).Headers.Contains("Sec-WebSocket-Extensions"));
    }

    [Fact]
    public void adds_valid_extra_headers_after_the_handshake_headers()
    {
        string text = ServerHandshake.BuildAcceptResponse(Accepted(), extraHeaders: [new("Server", "ws101"), new("Set-Cookie", "a=1; HttpOnly")]);
        var head = ParseResponse(text);
        Assert.Equal("ws101", head.Headers.GetFirst("Server"));
        Assert.Equal("a=1; HttpOnly", head.Headers.GetFirst("Set-Cookie"));
        Assert.Equal(5, head.Headers.Count);
    }

    [Theory]
    [InlineData("X-Evil", "a\r\nSec-WebSocket-Protocol: injected")]
    [InlineData("X-Evil", "a\nb")]
    [InlineData("X-Evil", "a\rb")]
    [InlineData("X-Evil", "a\0b")]
    [InlineData("X-Evil", "a\u0001b")]
    [InlineData("X Evil", "a")]
    [InlineData("X-Evil:", "a")]
    [InlineData("", "a")]
    [InlineData("Sec-WebSocket-Accept", "x")]
    [InlineData("connection", "close")]
    [InlineData("Upgrade", "h2c")]
    [InlineData("Sec-WebSocket-Protocol", "chat")]
    [InlineData("Content-Length", "0")]
    public void refuses_extra_headers_that_are_malformed_injected_or_reserved(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => ServerHandshake.BuildAcceptResponse(Accepted(), extraHeaders: [new(name, value)]));
    }

    [Fact]
    public void writes_the_same_bytes_into_a_span_as_the_string_builder()
    {
        foreach (string key in new[] { RfcKey, "x3JJHMbDL1EzLkh9GBhXDw==", WebSocketAccept.GenerateKey() })
        {
            var request = Validate(UpgradeRequest(Replace("Sec-WebSocket-Key", key))).Request!;
            byte[] expected = Encoding.ASCII.GetBytes(ServerHandshake.BuildAcceptResponse(request));
            Assert.Equal(129, expected.Length);
            byte[] destination = new byte[200];
            int n = ServerHandshake.WriteAcceptResponse(Encoding.ASCII.GetBytes(key), destination);
            Assert.Equal(expected, destination[..n]);
            Assert.Equal(129, ServerHandshake.WriteAcceptResponse(Encoding.ASCII.GetBytes(key), new byte[129]));
        }
    }

    [Fact]
    public void writes_nothing_into_a_span_too_short()
    {
        byte[] destination = new byte[128];
        Assert.Equal(0, ServerHandshake.WriteAcceptResponse(Encoding.ASCII.GetBytes(RfcKey), destination));
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Equal(0, ServerHandshake.WriteAcceptResponse(Encoding.ASCII.GetBytes(RfcKey), []));
    }

    [Fact]
    public void writes_nothing_for_a_key_longer_than_any_key_can_be()
    {
        byte[] destination = new byte[200];
        Assert.Equal(0, ServerHandshake.WriteAcceptResponse(new byte[WebSocketAccept.MaxKeyLength + 1], destination));
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    // A TLS client on the plain port: its ClientHello has no line end, and must not be waited for.
    [Fact]
    public void rejects_a_tls_client_hello_on_the_plain_port_at_once_with_400()
    {
        byte[] hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
        var r = ServerHandshake.Read(new ReadOnlySequence<byte>(hello), null, out _)!;
        Assert.Equal(400, r.Rejection!.StatusCode);
        Assert.Equal(HandshakeProblemCode.MalformedRequestLine, r.Problems[0].Code);
        Assert.Contains("TLS", r.Problems[0].Evidence, StringComparison.Ordinal);
    }

    // DESIGN.md trickle harness, at the level a server uses.
    [Fact]
    public void read_gives_null_for_every_strict_prefix_and_the_same_verdict_for_any_two_segment_split()
    {
        byte[] input = Latin1(ChromiumRequest);
        for (int n = 0; n < input.Length; n++)
        {
            Assert.Null(ServerHandshake.Read(new ReadOnlySequence<byte>(input, 0, n), null, out int consumed));
            Assert.Equal(0, consumed);
        }
        for (int cut = 1; cut < input.Length; cut++)
        {
            var r = ServerHandshake.Read(Segmented(input, [cut]), null, out int consumed)!;
            Assert.True(r.IsValid);
            Assert.Equal(input.Length, consumed);
            Assert.Equal("example.com:8080", r.Request!.Host);
        }
    }
}
