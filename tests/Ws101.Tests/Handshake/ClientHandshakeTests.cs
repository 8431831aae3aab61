using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class ClientHandshakeTests
{
    private static readonly HandshakeOffer Offer = new(RfcKey, [], [], "https://app.example");

    private static HandshakeOffer OfferWith(string[]? subprotocols = null, string[]? extensions = null) =>
        new(RfcKey, subprotocols ?? [], (extensions ?? []).Select(e => new WebSocketExtension(e)).ToList());

    /// <summary>Reads a whole response the way a client does: bytes in, body preview included, connection still open.</summary>
    private static ClientHandshakeResult Read(string response, HandshakeOffer? offer = null)
    {
        var result = ClientHandshake.Read(offer ?? Offer, new ReadOnlySequence<byte>(Latin1(response)), connectionEnded: false, null, out _, out _);
        Assert.NotNull(result);
        return result;
    }

    private static HandshakeProblem Single(string response, HandshakeProblemCode code, HandshakeOffer? offer = null)
    {
        var result = Read(response, offer);
        Assert.False(result.IsSuccess);
        Assert.Null(result.Subprotocol);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(code, problem.Code);
        return problem;
    }

    // RFC 6455 §4.1: the response that completes the handshake.
    [Fact]
    public void accepts_a_valid_101()
    {
        var result = Read(Response101());
        Assert.True(result.IsSuccess);
        Assert.Empty(result.Problems);
        Assert.Null(result.Subprotocol);
        Assert.Empty(result.Extensions);
    }

    [Fact]
    public void accepts_a_101_with_an_offered_subprotocol_and_extension_in_any_header_case()
    {
        var result = Read(
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nCONNECTION: keep-alive, upgrade\r\nsec-websocket-accept: " + RfcAccept +
            "\r\nSec-WebSocket-Protocol: superchat\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n",
            OfferWith(["chat", "superchat"], ["permessage-deflate"]));
        Assert.True(result.IsSuccess, string.Join("; ", result.Problems));
        Assert.Equal("superchat", result.Subprotocol);
        var e = Assert.Single(result.Extensions);
        Assert.Equal("server_no_context_takeover", Assert.Single(e.Parameters).Name);
    }

    // ---- non-101 answers (RFC 6455 §4.1: "If the status code received from the server is not 101 ...") ----

    [Fact]
    public void diagnoses_a_200_with_an_html_body_as_success_not_upgrade()
    {
        var p = Single("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 45\r\n\r\n<!doctype html><html><body>Hi</body></html>\n",
            HandshakeProblemCode.SuccessNotUpgrade);
        Assert.Equal("HTTP/1.1 200 OK", p.Actual);
        Assert.Contains("Content-Type: text/html", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("the body starts with \"<!doctype html>", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("no Upgrade header", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("proxy", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void diagnoses_a_204_without_body_as_success_not_upgrade()
    {
        var p = Single("HTTP/1.1 204 No Content\r\n\r\n", HandshakeProblemCode.SuccessNotUpgrade);
        Assert.Equal("the response has no Upgrade header", p.Evidence);
    }

    // RFC 6455 §4.1: a client MAY follow redirects, WebSocket clients generally do not; the fix names the new URL.
    [Theory]
    [InlineData(301, "https://example.com/chat/", "wss://example.com/chat/")]
    [InlineData(302, "http://example.com/ws", "ws://example.com/ws")]
    [InlineData(308, "wss://other.example/ws", "wss://other.example/ws")]
    public void diagnoses_a_redirect_and_names_the_ws_target(int status, string location, string target)
    {
        var p = Single($"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n", HandshakeProblemCode.Redirect);
        Assert.Equal($"Location: {location}", p.Evidence);
        Assert.Contains($"Connect to {target} directly", p.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void diagnoses_a_redirect_without_location()
    {
        var p = Single("HTTP/1.1 302 Found\r\n\r\n", HandshakeProblemCode.Redirect);
        Assert.Equal("the redirect has no Location header", p.Evidence);
    }

    // RFC 9110 §15.5.2: a 401 carries the challenge in WWW-Authenticate.
    [Fact]
    public void diagnoses_a_401_with_the_challenge_as_evidence()
    {
        var p = Single("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"chat\"\r\n\r\n", HandshakeProblemCode.Unauthorized);
        Assert.Equal("WWW-Authenticate: Bearer realm=\"chat\"", p.Evidence);
    }

    // RFC 6455 §10.2: servers use Origin to refuse pages they do not trust.
    [Fact]
    public void diagnoses_a_403_with_the_origin_sent_as_evidence()
    {
        var p = Single("HTTP/1.1 403 Forbidden\r\nContent-Length: 17\r\n\r\norigin not allowed", HandshakeProblemCode.Forbidden);
        Assert.Contains("Origin: https://app.example", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("origin not allowed", p.Evidence, StringComparison.Ordinal);
        var none = Single("HTTP/1.1 403 Forbidden\r\n\r\n", HandshakeProblemCode.Forbidden, OfferWith());
        Assert.Equal("the request sent no Origin", none.Evidence);
    }

    [Fact]
    public void diagnoses_a_404()
    {
        var p = Single("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno such path", HandshakeProblemCode.NotFound);
        Assert.Equal("the body starts with \"no such path\"", p.Evidence);
    }

    // RFC 6455 §4.4: the 426 lists the versions the server supports.
    [Fact]
    public void diagnoses_a_426_with_the_supported_versions()
    {
        var p = Single("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13, 8, 7\r\n\r\n", HandshakeProblemCode.UpgradeRequired);
        Assert.Equal("the server supports Sec-WebSocket-Version: 13, 8, 7", p.Evidence);
        var bare = Single("HTTP/1.1 426 Upgrade Required\r\n\r\n", HandshakeProblemCode.UpgradeRequired);
        Assert.Contains("did not say which versions", bare.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(400)]
    [InlineData(100)]
    public void diagnoses_other_statuses_as_unexpected(int status)
    {
        var p = Single($"HTTP/1.1 {status} Whatever\r\n\r\n", HandshakeProblemCode.UnexpectedStatus);
        Assert.Equal($"HTTP/1.1 {status} Whatever", p.Actual);
    }

    // RFC 6455 §4.1: the handshake needs HTTP/1.1; an HTTP/1.0 status line means a downgrade on the way.
    [Fact]
    public void diagnoses_an_http_1_0_status_line()
    {
        var result = Read("HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + RfcAccept + "\r\n\r\n");
        var p = Assert.Single(result.Problems);
        Assert.Equal(HandshakeProblemCode.HttpVersionTooOld, p.Code);
        Assert.Equal("HTTP/1.0", p.Actual);
        Assert.Contains("HTTP/1.0", p.Explanation, StringComparison.Ordinal);
        // The client sent HTTP/1.1: the fix is on the server's side, not "send HTTP/1.1".
        Assert.StartsWith("Serve the WebSocket from a server that answers in HTTP/1.1", p.Fix, StringComparison.Ordinal);
        var ok200 = Read("HTTP/1.0 200 OK\r\n\r\n");
        Assert.Equal([HandshakeProblemCode.HttpVersionTooOld, HandshakeProblemCode.SuccessNotUpgrade], ok200.Problems.Select(x => x.Code));
    }

    // ---- a 101 that breaks a rule (RFC 6455 §4.1, items 2-6 of the response checks) ----

    [Fact]
    public void diagnoses_a_101_without_upgrade()
    {
        var p = Single("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + RfcAccept + "\r\n\r\n", HandshakeProblemCode.MissingUpgrade);
        Assert.Contains("strips hop-by-hop headers", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void diagnoses_a_101_whose_upgrade_is_not_websocket()
    {
        var p = Single("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + RfcAccept + "\r\n\r\n",
            HandshakeProblemCode.UpgradeNotWebSocket);
        Assert.Equal("h2c", p.Actual);
        Assert.Equal(2, p.Line);
    }

    [Theory]
    [InlineData("Connection: keep-alive\r\n", "keep-alive")]
    [InlineData("", "no Connection header")]
    public void diagnoses_a_101_whose_connection_lacks_upgrade(string connection, string actual)
    {
        var p = Single("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" + connection + "Sec-WebSocket-Accept: " + RfcAccept + "\r\n\r\n",
            HandshakeProblemCode.ConnectionNotUpgrade);
        Assert.Equal(actual, p.Actual);
    }

    [Fact]
    public void diagnoses_a_101_without_accept_and_gives_the_value_expected()
    {
        var p = Single("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", HandshakeProblemCode.MissingAccept);
        Assert.Equal(RfcAccept, p.Expected);
    }

    // RFC 6455 §11.3.3: Sec-WebSocket-Accept MUST NOT appear more than once in an HTTP response.
    [Fact]
    public void diagnoses_a_101_with_two_accept_lines()
    {
        var p = Single(Response101(RfcAccept, "Sec-WebSocket-Accept: " + RfcAccept), HandshakeProblemCode.DuplicateAccept);
        Assert.Equal(5, p.Line);
    }

    [Fact]
    public void diagnoses_a_wrong_accept_with_its_line_and_cause()
    {
        string sha256 = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(RfcKey + RfcGuid)));
        var p = Single(Response101(sha256), HandshakeProblemCode.AcceptMismatch);
        Assert.Equal("sha-256", p.Cause);
        Assert.Equal(4, p.Line);
    }

    // RFC 6455 §4.1 response item 6: a subprotocol that was not present in the client's handshake fails the connection.
    [Fact]
    public void diagnoses_a_subprotocol_when_none_was_offered()
    {
        var p = Single(Response101(RfcAccept, "Sec-WebSocket-Protocol: chat"), HandshakeProblemCode.UnrequestedSubprotocol);
        Assert.Equal("no subprotocol (none was offered)", p.Expected);
        Assert.Equal("chat", p.Actual);
    }

    [Fact]
    public void diagnoses_a_subprotocol_other_than_those_offered()
    {
        var p = Single(Response101(RfcAccept, "Sec-WebSocket-Protocol: mqtt"), HandshakeProblemCode.UnrequestedSubprotocol, OfferWith(["chat", "superchat"]));
        Assert.Equal("one of: chat, superchat", p.Expected);
        Assert.Equal("mqtt", p.Actual);
        // Subprotocol names are compared exactly.
        Single(Response101(RfcAccept, "Sec-WebSocket-Protocol: Chat"), HandshakeProblemCode.UnrequestedSubprotocol, OfferWith(["chat"]));
    }

    [Theory]
    [InlineData("Sec-WebSocket-Protocol: chat, superchat")]
    [InlineData("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat")]
    public void diagnoses_two_selected_subprotocols(string lines)
    {
        var p = Single(Response101(RfcAccept, lines), HandshakeProblemCode.UnrequestedSubprotocol, OfferWith(["chat", "superchat"]));
        Assert.Equal("the server selected 2 subprotocols", p.Evidence);
    }

    // RFC 6455 §4.1 response item 5: an extension not present in the client's handshake fails the connection.
    [Fact]
    public void diagnoses_an_unrequested_extension()
    {
        var p = Single(Response101(RfcAccept, "Sec-WebSocket-Extensions: permessage-deflate"), HandshakeProblemCode.UnrequestedExtension);
        Assert.Equal("no extension (none was offered)", p.Expected);
        var other = Single(Response101(RfcAccept, "Sec-WebSocket-Extensions: x-webkit-deflate-frame"), HandshakeProblemCode.UnrequestedExtension,
            OfferWith(extensions: ["permessage-deflate"]));
        Assert.Equal("one of: permessage-deflate", other.Expected);
        Assert.Equal("x-webkit-deflate-frame", other.Actual);
    }

    [Fact]
    public void diagnoses_an_extension_header_outside_the_grammar()
    {
        Single(Response101(RfcAccept, "Sec-WebSocket-Extensions: permessage-deflate;"), HandshakeProblemCode.InvalidExtensionHeader,
            OfferWith(extensions: ["permessage-deflate"]));
    }

    [Fact]
    public void reports_every_problem_of_a_bad_101()
    {
        var result = Read("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
        Assert.Equal(
            [HandshakeProblemCode.MissingUpgrade, HandshakeProblemCode.ConnectionNotUpgrade, HandshakeProblemCode.MissingAccept, HandshakeProblemCode.UnrequestedSubprotocol],
            result.Problems.Select(p => p.Code));
    }

    // ---- syntax and a closed connection ----

    [Fact]
    public void diagnoses_a_malformed_status_line()
    {
        var p = Single("HTTP/1.1 1O1 Switching Protocols\r\n\r\n", HandshakeProblemCode.MalformedStatusLine);
        Assert.Equal("the status code is not three digits", p.Evidence);
    }

    [Fact]
    public void diagnoses_a_malformed_header()
    {
        var p = Single("HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n", HandshakeProblemCode.MalformedHeader);
        Assert.Equal(2, p.Line);
    }

    [Fact]
    public void waits_for_more_bytes_while_the_connection_is_open()
    {
        string full = Response101();
        var result = ClientHandshake.Read(Offer, new ReadOnlySequence<byte>(Latin1(full[..^2])), connectionEnded: false, null, out int consumed, out var head);
        Assert.Null(result);
        Assert.Equal(0, consumed);
        Assert.Null(head);
    }

    [Fact]
    public void diagnoses_a_connection_closed_in_the_middle_of_the_head_as_truncated()
    {
        string partial = Response101()[..40];
        var result = ClientHandshake.Read(Offer, new ReadOnlySequence<byte>(Latin1(partial)), connectionEnded: true, null, out _, out var head)!;
        Assert.Null(head);
        var p = Assert.Single(result.Problems);
        Assert.Equal(HandshakeProblemCode.TruncatedHead, p.Code);
        Assert.Equal("40 bytes, then the connection closed", p.Actual);
    }

    [Fact]
    public void diagnoses_a_connection_closed_before_any_byte_as_truncated()
    {
        var result = ClientHandshake.Read(Offer, ReadOnlySequence<byte>.Empty, connectionEnded: true, null, out _, out _)!;
        var p = Assert.Single(result.Problems);
        Assert.Equal(HandshakeProblemCode.TruncatedHead, p.Code);
        Assert.Equal("the connection closed before any byte of a response", p.Actual);
        Assert.Contains("without answering", p.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void read_gives_the_head_and_the_bytes_it_consumed_and_leaves_the_first_frame()
    {
        byte[] head = Latin1(Response101());
        byte[] input = [.. head, 0x81, 0x02, (byte)'h', (byte)'i'];
        var result = ClientHandshake.Read(Offer, Segmented(input, [10, 50]), connectionEnded: false, null, out int consumed, out var parsed)!;
        Assert.True(result.IsSuccess);
        Assert.Equal(head.Length, consumed);
        Assert.Equal(101, parsed!.StatusCode);
    }

    [Fact]
    public void validate_without_a_known_offer_does_not_check_the_choices()
    {
        var head = ParseResponse(Response101("anything", "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: x"));
        var result = ClientHandshake.Validate(HandshakeOffer.Unknown, head);
        Assert.True(result.IsSuccess, string.Join("; ", result.Problems));
        Assert.Equal("chat", result.Subprotocol);
    }

    [Fact]
    public void a_redirect_to_a_relative_location_says_it_is_on_the_same_server()
    {
        var p = Single("HTTP/1.1 301 Moved Permanently\r\nLocation: /chat/\r\n\r\n", HandshakeProblemCode.Redirect);
        Assert.Contains("/chat/ on the same server", p.Fix, StringComparison.Ordinal);
        Assert.Contains("do not follow redirects", p.Fix, StringComparison.Ordinal);
    }

    // DESIGN.md trickle harness, at the level a client uses: every prefix waits while open and is truncated once closed.
    [Fact]
    public void read_trickles_a_101_byte_by_byte_and_names_every_cut_a_truncated_head()
    {
        byte[] input = Latin1(Response101(RfcAccept, "Sec-WebSocket-Protocol: chat"));
        var offer = OfferWith(["chat"]);
        for (int n = 0; n < input.Length; n++)
        {
            var prefix = new ReadOnlySequence<byte>(input, 0, n);
            Assert.Null(ClientHandshake.Read(offer, prefix, connectionEnded: false, null, out _, out _));
            var closed = ClientHandshake.Read(offer, prefix, connectionEnded: true, null, out _, out _)!;
            Assert.Equal(HandshakeProblemCode.TruncatedHead, Assert.Single(closed.Problems).Code);
        }
        var done = ClientHandshake.Read(offer, new ReadOnlySequence<byte>(input), connectionEnded: true, null, out int consumed, out _)!;
        Assert.True(done.IsSuccess);
        Assert.Equal("chat", done.Subprotocol);
        Assert.Equal(input.Length, consumed);
    }

    [Fact]
    public void a_connection_closed_in_the_middle_of_the_head_names_the_last_complete_line()
    {
        string partial = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnec";
        var result = ClientHandshake.Read(Offer, new ReadOnlySequence<byte>(Latin1(partial)), connectionEnded: true, null, out _, out _)!;
        var p = Assert.Single(result.Problems);
        Assert.Equal(HandshakeProblemCode.TruncatedHead, p.Code);
        Assert.Contains("line 2: Upgrade: websocket", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("Connec", p.Evidence, StringComparison.Ordinal);
    }

    // Found by fuzzing, through the diagnoser (fuzz/regressions/diagnose/missing-accept-invalid-key): an offer read
    // from a pasted request may carry any key; a 101 without an accept to it threw while naming the accept expected.
    [Fact]
    public void a_101_without_accept_to_an_offer_whose_key_has_no_accept_is_missing_accept()
    {
        foreach (string key in new[] { "clé", new string('k', 300) })
        {
            var p = Single("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                HandshakeProblemCode.MissingAccept, new HandshakeOffer(key, [], []));
            Assert.Equal("base64(SHA-1(key + GUID))", p.Expected);
        }
    }
}
