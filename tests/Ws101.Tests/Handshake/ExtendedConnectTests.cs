using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

/// <summary>
/// RFC 8441: a WebSocket opened with an HTTP/2 extended CONNECT, as the server checks the request (pseudo-header fields,
/// no key) and as the client checks the answer (a 2xx, no accept value, no HTTP/1.1 upgrade fields, no content).
/// </summary>
public class ExtendedConnectTests
{
    private static HttpRequestHead Request(string method = "CONNECT", string? protocol = "websocket", string? path = "/chat",
        params (string Name, string Value)[] fields) =>
        ExtendedConnect.CreateRequestHead(method, protocol, "https", "example.com", path,
            fields.Length == 0 ? [new("sec-websocket-version", "13")] : fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static HandshakeOffer Offer(params string[] subprotocols) =>
        ClientHandshakeRequest.Create(new Uri("wss://example.com/chat"), new ClientHandshakeOptions { Subprotocols = subprotocols }).Offer;

    private static ClientHandshakeResult Answer(int status, string? preview = null, params (string Name, string Value)[] fields) =>
        ClientHandshake.Validate(Offer("chat"), ExtendedConnect.CreateResponseHead(status, fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))), preview);

    [Fact]
    public void a_connect_with_protocol_websocket_is_a_websocket_request_without_any_key()
    {
        var verdict = ServerHandshake.Validate(Request(fields: [("sec-websocket-version", "13"), ("sec-websocket-protocol", "chat, superchat")]));

        Assert.True(verdict.IsValid, string.Join("; ", verdict.Problems.Select(p => p.Id)));
        Assert.True(verdict.Request!.IsHttp2);
        Assert.Equal("example.com", verdict.Request.Host);
        Assert.Equal(["chat", "superchat"], verdict.Request.Subprotocols);
    }

    [Fact]
    public void an_ordinary_http2_get_is_a_plain_request_not_a_broken_websocket()
    {
        var verdict = ServerHandshake.Validate(Request(method: "GET", protocol: null));
        Assert.Equal(HandshakeProblemCode.PlainHttpRequest, Assert.Single(verdict.Problems).Code);
    }

    [Theory]
    [InlineData("CONNECT", "webtransport", "/chat", HandshakeProblemCode.UpgradeNotWebSocket)] // RFC 8441 §5: :protocol MUST be websocket
    [InlineData("CONNECT", null, "/chat", HandshakeProblemCode.UpgradeNotWebSocket)] // a plain CONNECT is a proxy tunnel
    [InlineData("GET", "websocket", "/chat", HandshakeProblemCode.MethodNotGet)] // RFC 8441 §4: the method is CONNECT
    [InlineData("CONNECT", "websocket", null, HandshakeProblemCode.MalformedRequestLine)] // RFC 8441 §4: :path MUST be included
    public void the_pseudo_header_fields_are_checked_by_rfc_8441(string method, string? protocol, string? path, HandshakeProblemCode expected)
    {
        var verdict = ServerHandshake.Validate(Request(method, protocol, path));
        Assert.Contains(verdict.Problems, p => p.Code == expected);
    }

    [Theory]
    [InlineData("upgrade", "websocket")]
    [InlineData("connection", "Upgrade")]
    public void http11_upgrade_fields_in_an_http2_request_are_named(string name, string value)
    {
        var verdict = ServerHandshake.Validate(Request(fields: [("sec-websocket-version", "13"), (name, value)]));
        Assert.Equal(HandshakeProblemCode.UpgradeHeadersInHttp2, Assert.Single(verdict.Problems).Code);
    }

    [Fact]
    public void the_version_is_still_checked_over_http2()
    {
        var verdict = ServerHandshake.Validate(Request(fields: [("sec-websocket-version", "8")]));
        Assert.Equal(HandshakeProblemCode.UnsupportedVersion, Assert.Single(verdict.Problems).Code);
    }

    [Fact]
    public void the_servers_answer_is_a_200_with_the_agreed_subprotocol_and_no_accept_value()
    {
        var request = ServerHandshake.Validate(Request(fields: [("sec-websocket-version", "13"), ("sec-websocket-protocol", "chat")])).Request!;
        string answer = ServerHandshake.BuildAcceptResponse(request, "chat", null, null);

        Assert.Equal(":status: 200\r\nsec-websocket-protocol: chat\r\n\r\n", answer);
    }

    [Fact]
    public void a_plain_200_opens_the_tunnel_and_the_offered_subprotocol_is_agreed()
    {
        var result = Answer(200, null, ("sec-websocket-protocol", "chat"));
        Assert.True(result.IsSuccess, string.Join("; ", result.Problems.Select(p => p.Id)));
        Assert.Equal("chat", result.Subprotocol);
    }

    [Fact]
    public void an_accept_value_in_the_200_means_the_answer_was_made_for_an_http11_upgrade()
    {
        var problem = Assert.Single(Answer(200, null, ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")).Problems);
        Assert.Equal(HandshakeProblemCode.UpgradeHeadersInHttp2, problem.Code);
        Assert.Contains("HTTP/1.1 upgrade", problem.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void a_200_with_content_is_a_page_not_a_tunnel_and_the_body_is_quoted()
    {
        var problem = Assert.Single(Answer(200, "<!DOCTYPE html><title>Home</title>", ("content-type", "text/html")).Problems);
        Assert.Equal(HandshakeProblemCode.ConnectResponseHasContent, problem.Code);
        Assert.Contains("<!DOCTYPE html>", problem.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void an_unrequested_subprotocol_is_refused_as_over_http11()
    {
        Assert.Equal(HandshakeProblemCode.UnrequestedSubprotocol, Assert.Single(Answer(200, null, ("sec-websocket-protocol", "other")).Problems).Code);
    }

    [Theory]
    [InlineData(404, HandshakeProblemCode.NotFound, null)]
    [InlineData(403, HandshakeProblemCode.Forbidden, null)]
    [InlineData(405, HandshakeProblemCode.UnexpectedStatus, "does not accept CONNECT on this path")]
    public void a_status_other_than_2xx_is_explained_as_its_http11_counterpart(int status, HandshakeProblemCode expected, string? evidence)
    {
        var problem = Assert.Single(Answer(status).Problems);
        Assert.Equal(expected, problem.Code);
        Assert.Equal($"HTTP/2 :status {status}", problem.Actual);
        if (evidence is not null)
        {
            Assert.Contains(evidence, problem.Evidence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void a_header_block_reads_back_as_the_request_it_shows()
    {
        string text = Http2HeaderBlock.Format(ExtendedConnect.RequestFields(new Uri("https://example.com:8443/chat?room=1"), [new("sec-websocket-version", "13")]));
        var parsed = Http2HeaderBlock.ParseRequest(text);

        Assert.Equal(HttpParseStatus.Complete, parsed.Status);
        Assert.Equal("CONNECT", parsed.Head!.Method);
        Assert.Equal("/chat?room=1", parsed.Head.Target);
        Assert.True(ServerHandshake.Validate(parsed.Head).IsValid);
    }
}
