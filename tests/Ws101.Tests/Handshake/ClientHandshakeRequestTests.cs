using CsCheck;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class ClientHandshakeRequestTests
{
    private static ClientHandshakeRequest Create(string url, ClientHandshakeOptions? options = null) =>
        ClientHandshakeRequest.Create(new Uri(url), options);

    private static HttpRequestHead Parsed(ClientHandshakeRequest request)
    {
        var r = HttpRequestHead.Parse(request.ToBytes());
        Assert.Equal(HttpParseStatus.Complete, r.Status);
        Assert.Equal(request.ToBytes().Length, r.BytesConsumed);
        return r.Head!;
    }

    // RFC 6455 §4.1: the exact request for a fixed key.
    [Fact]
    public void builds_the_rfc_request_for_a_fixed_key()
    {
        var request = Create("ws://server.example.com/chat", new ClientHandshakeOptions { Key = RfcKey });
        Assert.Equal(
            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            request.Text);
        Assert.Equal(RfcAccept, request.ExpectedAccept);
        Assert.Equal(RfcKey, request.Key);
        Assert.False(request.IsSecure);
    }

    // RFC 6455 §4.1 item 4: the port is included only when it is not the default (80 for ws, 443 for wss).
    [Theory]
    [InlineData("ws://example.com/", "example.com")]
    [InlineData("ws://example.com:80/", "example.com")]
    [InlineData("ws://example.com:443/", "example.com:443")]
    [InlineData("ws://example.com:8080/", "example.com:8080")]
    [InlineData("wss://example.com/", "example.com")]
    [InlineData("wss://example.com:443/", "example.com")]
    [InlineData("wss://example.com:80/", "example.com:80")]
    [InlineData("wss://example.com:8443/", "example.com:8443")]
    [InlineData("ws://EXAMPLE.com/", "example.com")]
    [InlineData("ws://127.0.0.1:9001/", "127.0.0.1:9001")]
    [InlineData("ws://[::1]/", "[::1]")]
    [InlineData("ws://[::1]:9001/", "[::1]:9001")]
    [InlineData("wss://[2001:db8::1]:443/", "[2001:db8::1]")]
    [InlineData("ws://b\u00fccher.example/", "xn--bcher-kva.example")]
    public void sends_the_port_in_host_only_when_it_is_not_the_default(string url, string host)
    {
        var request = Create(url);
        Assert.Equal(host, request.HostHeader);
        Assert.Equal(host, Parsed(request).Headers.GetFirst("Host"));
    }

    // RFC 6455 §4.1 item 3: the request-target is the resource name: path and query, "/" when the path is empty.
    [Theory]
    [InlineData("ws://example.com", "/")]
    [InlineData("ws://example.com/", "/")]
    [InlineData("ws://example.com?x=1", "/?x=1")]
    [InlineData("ws://example.com/a/b?x=1&y=two", "/a/b?x=1&y=two")]
    [InlineData("wss://example.com/chat%20room?q=a%20b", "/chat%20room?q=a%20b")]
    public void sends_path_and_query_as_the_target(string url, string target)
    {
        var request = Create(url);
        Assert.Equal(target, request.Target);
        Assert.Equal(target, Parsed(request).Target);
    }

    // RFC 6455 §3: fragment identifiers are meaningless in WebSocket URIs and MUST NOT be used.
    [Theory]
    [InlineData("ws://example.com/chat#top")]
    [InlineData("wss://example.com/#x")]
    public void refuses_a_url_with_a_fragment(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => Create(url));
        Assert.Contains("fragment", ex.Message, StringComparison.Ordinal);
    }

    // RFC 6455 §3: the scheme is ws or wss.
    [Theory]
    [InlineData("http://example.com/")]
    [InlineData("https://example.com/")]
    [InlineData("ftp://example.com/")]
    public void refuses_a_url_that_is_not_ws_or_wss(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => Create(url));
        Assert.Contains("ws://", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_a_relative_url()
    {
        Assert.Throws<ArgumentException>(() => ClientHandshakeRequest.Create(new Uri("/chat", UriKind.Relative)));
    }

    [Fact]
    public void marks_wss_as_secure()
    {
        Assert.True(Create("wss://example.com/").IsSecure);
    }

    // RFC 6455 §4.1 items 8-10 and 12: Origin, subprotocols, extensions, other headers.
    [Fact]
    public void sends_subprotocols_extensions_origin_and_extra_headers()
    {
        var options = new ClientHandshakeOptions
        {
            Subprotocols = ["chat", "superchat"],
            Extensions = [new WebSocketExtension("permessage-deflate", [new("client_max_window_bits", null)])],
            Origin = "https://example.com",
            Headers = [new("Authorization", "Bearer abc"), new("User-Agent", "ws101-tests")],
        };
        var request = Create("wss://example.com/chat", options);
        var h = Parsed(request).Headers;
        Assert.Equal("chat, superchat", h.GetFirst("Sec-WebSocket-Protocol"));
        Assert.Equal("permessage-deflate; client_max_window_bits", h.GetFirst("Sec-WebSocket-Extensions"));
        Assert.Equal("https://example.com", h.GetFirst("Origin"));
        Assert.Equal("Bearer abc", h.GetFirst("Authorization"));
        Assert.Equal("ws101-tests", h.GetFirst("User-Agent"));
        Assert.Equal(["chat", "superchat"], request.Offer.Subprotocols);
        Assert.Equal("https://example.com", request.Offer.Origin);
        Assert.Equal(request.Key, request.Offer.Key);
        Assert.True(request.Offer.IsKnown);
    }

    [Fact]
    public void sends_no_optional_header_that_was_not_asked_for()
    {
        var h = Parsed(Create("ws://example.com/")).Headers;
        Assert.Equal(["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"], h.Select(f => f.Key));
    }

    // RFC 6455 §4.1 item 7: a fresh random key for each request.
    [Fact]
    public void generates_a_fresh_valid_key_for_each_request()
    {
        var a = Create("ws://example.com/");
        var b = Create("ws://example.com/");
        Assert.NotEqual(a.Key, b.Key);
        Assert.Null(WebSocketKeyRules.Check(a.Key));
        Assert.Equal(WebSocketAccept.Compute(a.Key), a.ExpectedAccept);
    }

    [Theory]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ== ")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA")]
    public void validates_a_fixed_key(string key)
    {
        Assert.Throws<ArgumentException>(() => Create("ws://example.com/", new ClientHandshakeOptions { Key = key }));
    }

    [Theory]
    [InlineData("Host")]
    [InlineData("host")]
    [InlineData("Upgrade")]
    [InlineData("Connection")]
    [InlineData("Sec-WebSocket-Key")]
    [InlineData("sec-websocket-version")]
    [InlineData("Sec-WebSocket-Protocol")]
    [InlineData("Sec-WebSocket-Extensions")]
    [InlineData("Origin")]
    [InlineData("Content-Length")]
    [InlineData("Transfer-Encoding")]
    public void refuses_extra_headers_that_the_handshake_sets_itself(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => Create("ws://example.com/", new ClientHandshakeOptions { Headers = [new(name, "x")] }));
        Assert.Contains("set by the handshake", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-A", "a\r\nHost: evil")]
    [InlineData("X-A", "a\nb")]
    [InlineData("X-A", "a\0")]
    [InlineData("X-A", "a\u0007")]
    [InlineData("X A", "a")]
    [InlineData("X-A:", "a")]
    public void refuses_header_injection_and_malformed_names(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => Create("ws://example.com/", new ClientHandshakeOptions { Headers = [new(name, value)] }));
    }

    [Fact]
    public void refuses_an_origin_with_a_line_break()
    {
        Assert.Throws<ArgumentException>(() => Create("ws://example.com/", new ClientHandshakeOptions { Origin = "https://a\r\nX: y" }));
    }

    // RFC 6455 §4.1 item 10: subprotocol values are tokens and MUST be unique.
    [Theory]
    [InlineData("chat", "chat")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("a,b")]
    public void refuses_subprotocols_that_are_not_unique_tokens(params string[] subprotocols)
    {
        Assert.Throws<ArgumentException>(() => Create("ws://example.com/", new ClientHandshakeOptions { Subprotocols = subprotocols }));
    }

    // The request we build is one our own server accepts: the round trip.
    [Fact]
    public void the_request_parses_back_and_passes_server_validation()
    {
        var options = new ClientHandshakeOptions
        {
            Subprotocols = ["v2.chat", "v1.chat"],
            Extensions = [new WebSocketExtension("permessage-deflate", [new("client_max_window_bits", null), new("server_max_window_bits", "10")])],
            Origin = "https://app.example",
            Headers = [new("Cookie", "session=1")],
        };
        var request = Create("wss://example.com:8443/rooms/1?token=abc", options);
        var verdict = ServerHandshake.Validate(Parsed(request));
        Assert.True(verdict.IsValid, string.Join("; ", verdict.Problems));
        var accepted = verdict.Request!;
        Assert.Equal("/rooms/1", accepted.Path);
        Assert.Equal("token=abc", accepted.Query);
        Assert.Equal("example.com:8443", accepted.Host);
        Assert.Equal(request.Key, accepted.Key);
        Assert.Equal("https://app.example", accepted.Origin);
        Assert.Equal(["v2.chat", "v1.chat"], accepted.Subprotocols);
        Assert.Equal(WebSocketExtension.Format(options.Extensions), WebSocketExtension.Format(accepted.Extensions));
    }

    // Property: any request built for a valid path and subprotocols is accepted, and our 101 for it passes the client's checks.
    [Fact]
    public void random_requests_round_trip_through_server_and_client_validation()
    {
        var segment = Gen.Char.AlphaNumeric.Array[0, 8].Select(c => new string(c));
        var path = segment.Array[0, 4].Select(s => "/" + string.Join("/", s));
        var query = Gen.OneOf(Gen.Const(""), segment.Select(s => "?q=" + s));
        var token = Gen.OneOf(Gen.Char.AlphaNumeric, Gen.Const('.'), Gen.Const('-'), Gen.Const('_')).Array[1, 12].Select(c => new string(c));
        var protocols = token.HashSet[0, 5].Select(s => s.ToArray());
        var port = Gen.OneOf(Gen.Const(-1), Gen.Int[1, 65535]);
        Gen.Select(path, query, protocols, port, Gen.Bool, Gen.Int[0, 100]).Sample((p, q, subprotocols, portNumber, secure, pick) =>
        {
            string scheme = secure ? "wss" : "ws";
            string authority = portNumber < 0 ? "example.com" : $"example.com:{portNumber}";
            var request = Create($"{scheme}://{authority}{p}{q}", new ClientHandshakeOptions { Subprotocols = subprotocols });
            var verdict = ServerHandshake.Validate(Parsed(request));
            Assert.True(verdict.IsValid, string.Join("; ", verdict.Problems));
            Assert.Equal(subprotocols, verdict.Request!.Subprotocols);
            Assert.Equal(request.HostHeader, verdict.Request.Host);

            string? chosen = subprotocols.Length == 0 ? null : subprotocols[pick % subprotocols.Length];
            byte[] response = Latin1(ServerHandshake.BuildAcceptResponse(verdict.Request, chosen));
            var head = HttpResponseHead.Parse(response).Head!;
            var result = ClientHandshake.Validate(request.Offer, head);
            Assert.True(result.IsSuccess, string.Join("; ", result.Problems));
            Assert.Equal(chosen, result.Subprotocol);
        }, iter: 300);
    }
}
