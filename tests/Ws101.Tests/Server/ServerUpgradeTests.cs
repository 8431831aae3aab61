using System.Buffers;
using System.Text;
using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Server;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Server;

/// <summary>
/// The server's one upgrade sequence (validate, decide, choose the subprotocol, negotiate permessage-deflate, write the 101),
/// from crafted requests: what WebSocketServer sends and what MapWs101 hands to Kestrel both come from here.
/// </summary>
public class ServerUpgradeTests
{
    private static readonly WebSocketConnectionOptions Plain = new();
    private static readonly WebSocketConnectionOptions Deflate = new() { Compression = new PerMessageDeflateOptions() };
    private static readonly WebSocketRouteOptions AnyRoute = new();

    private static (ServerUpgradeResult Result, string Written) Run(string request, WebSocketRouteOptions? route = null,
        WebSocketConnectionOptions? defaults = null, bool upgradable = true)
    {
        var response = new ArrayBufferWriter<byte>();
        var result = ServerUpgrade.Run(ParseRequest(request), route ?? AnyRoute, defaults ?? Plain, response, upgradable, reportDeclined: true);
        return (result, Encoding.ASCII.GetString(response.WrittenSpan));
    }

    private static string Offering(params string[] extra) => UpgradeRequest(l => [.. l, .. extra]);

    /// <summary>The written 101, parsed: its header fields in order, as name/value pairs.</summary>
    private static List<KeyValuePair<string, string>> WrittenHeaders(string written)
    {
        var head = ParseResponse(written);
        Assert.Equal(101, head.StatusCode);
        Assert.Equal("Switching Protocols", head.ReasonPhrase);
        return head.Headers.ToList();
    }

    private static string? Header(ServerUpgradeResult r, string name) =>
        r.ResponseHeaders.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).SingleOrDefault();

    // ---- accepted ----

    [Fact]
    public void a_plain_request_is_accepted_with_the_rfc_101_written_byte_for_byte()
    {
        var (r, written) = Run(UpgradeRequest());
        Assert.True(r.IsAccepted);
        Assert.Null(r.Rejection);
        Assert.Equal(RfcKey, r.Request.Key);
        Assert.Equal(RfcAccept, r.AcceptValue);
        Assert.Null(r.Subprotocol);
        Assert.Null(r.Deflate);
        Assert.Empty(r.ExtraHeaders);
        Assert.Same(Plain, r.Options);
        Assert.Equal(Response101(), written);
        Assert.Equal([new("Upgrade", "websocket"), new("Connection", "Upgrade"), new("Sec-WebSocket-Accept", RfcAccept)], r.ResponseHeaders);
        Assert.Equal(written, r.Info.ResponseText);
        Assert.Empty(r.Info.Extensions);
    }

    [Fact]
    public void the_first_of_the_routes_subprotocols_that_the_client_offers_is_agreed()
    {
        var route = new WebSocketRouteOptions { Subprotocols = ["v2.chat", "v1.chat"] };
        var (r, written) = Run(Offering("Sec-WebSocket-Protocol: v1.chat, v2.chat"), route);
        Assert.Equal("v2.chat", r.Subprotocol);
        Assert.Equal("v2.chat", r.Info!.Subprotocol);
        Assert.Equal(Response101(RfcAccept, "Sec-WebSocket-Protocol: v2.chat"), written);

        var (none, noneWritten) = Run(Offering("Sec-WebSocket-Protocol: mqtt"), route);
        Assert.True(none.IsAccepted);
        Assert.Null(none.Subprotocol);
        Assert.Equal(Response101(), noneWritten);
    }

    [Fact]
    public void the_applications_subprotocol_overrides_the_routes_preference()
    {
        var route = new WebSocketRouteOptions { Subprotocols = ["v2.chat"], OnUpgrade = _ => UpgradeDecision.Accept("v1.chat") };
        var (r, written) = Run(Offering("Sec-WebSocket-Protocol: v1.chat, v2.chat"), route);
        Assert.Equal("v1.chat", r.Subprotocol);
        Assert.Contains("Sec-WebSocket-Protocol: v1.chat\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void headers_from_the_decision_follow_the_handshakes_own_in_the_101_and_in_the_header_pairs()
    {
        var route = new WebSocketRouteOptions
        {
            OnUpgrade = _ => UpgradeDecision.Accept(headers: [new("Set-Cookie", "a=1; HttpOnly"), new("X-Served-By", "ws101"), new("Set-Cookie", "b=2")]),
        };
        var (r, written) = Run(UpgradeRequest(), route);
        Assert.Equal(Response101(RfcAccept, "Set-Cookie: a=1; HttpOnly", "X-Served-By: ws101", "Set-Cookie: b=2"), written);
        Assert.Equal(r.ResponseHeaders, WrittenHeaders(written));
        Assert.Equal(3, r.ExtraHeaders.Count);
        Assert.Equal(written, r.Info!.ResponseText);
    }

    // ---- permessage-deflate (RFC 7692) ----

    [Fact]
    public void a_deflate_offer_is_accepted_when_the_route_turns_compression_on()
    {
        var (r, written) = Run(ChromiumRequest, defaults: Deflate);
        Assert.NotNull(r.Deflate);
        // A client_max_window_bits hint without a value is not answered: we inflate with any window.
        Assert.Equal("permessage-deflate", Header(r, "Sec-WebSocket-Extensions"));
        Assert.Equal("permessage-deflate", Assert.Single(r.Info!.Extensions).ToString());
        Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate\r\n", written, StringComparison.Ordinal);
        Assert.Equal(r.ResponseHeaders, WrittenHeaders(written));
        Assert.Empty(r.DeclinedOffers);
    }

    [Fact]
    public void the_routes_own_connection_options_decide_over_the_servers()
    {
        var route = new WebSocketRouteOptions { Connection = Deflate };
        var (on, _) = Run(ChromiumRequest, route, defaults: Plain);
        Assert.NotNull(on.Deflate);
        Assert.Same(Deflate, on.Options);

        var (off, written) = Run(ChromiumRequest, new WebSocketRouteOptions { Connection = Plain }, defaults: Deflate);
        Assert.Null(off.Deflate);
        Assert.Null(Header(off, "Sec-WebSocket-Extensions"));
        Assert.Equal(Response101(), written);
    }

    [Fact]
    public void with_compression_off_an_offer_is_ignored_and_without_an_offer_nothing_is_agreed()
    {
        var (off, offWritten) = Run(ChromiumRequest, defaults: Plain);
        Assert.Null(off.Deflate);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", offWritten, StringComparison.Ordinal);

        var (unoffered, unofferedWritten) = Run(UpgradeRequest(), defaults: Deflate);
        Assert.Null(unoffered.Deflate);
        Assert.Equal(Response101(), unofferedWritten);
    }

    [Fact]
    public void an_offer_that_cannot_be_honoured_is_declined_with_its_reason_and_the_next_one_accepted()
    {
        var (r, written) = Run(Offering("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate; server_no_context_takeover"),
            defaults: Deflate);
        Assert.Equal("permessage-deflate; server_no_context_takeover", r.Deflate!.ToString());
        Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n", written, StringComparison.Ordinal);
        Assert.Contains("server_max_window_bits=16", Assert.Single(r.DeclinedOffers), StringComparison.Ordinal);
    }

    [Fact]
    public void when_every_offer_is_declined_the_upgrade_still_goes_through_uncompressed()
    {
        var (r, written) = Run(Offering("Sec-WebSocket-Extensions: permessage-deflate; x-unknown=1, x-webkit-deflate-frame"), defaults: Deflate);
        Assert.True(r.IsAccepted);
        Assert.Null(r.Deflate);
        Assert.Equal(Response101(), written);
        Assert.Contains("x-unknown", Assert.Single(r.DeclinedOffers), StringComparison.Ordinal);
    }

    [Fact]
    public void declined_offers_are_collected_only_when_asked_for()
    {
        var result = ServerUpgrade.Run(ParseRequest(Offering("Sec-WebSocket-Extensions: permessage-deflate; x-unknown=1")), AnyRoute, Deflate,
            new ArrayBufferWriter<byte>());
        Assert.True(result.IsAccepted);
        Assert.Empty(result.DeclinedOffers);
    }

    [Fact]
    public void subprotocol_deflate_and_extra_headers_together_come_in_the_rfcs_order()
    {
        var route = new WebSocketRouteOptions
        {
            Subprotocols = ["chat"],
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions { ClientNoContextTakeover = true } },
            OnUpgrade = _ => UpgradeDecision.Accept(headers: [new("X-Room", "1")]),
        };
        var (r, written) = Run(Offering("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate"), route);
        Assert.Equal(Response101(RfcAccept, "Sec-WebSocket-Protocol: chat",
            "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover", "X-Room: 1"), written);
        Assert.Equal(WrittenHeaders(written), r.ResponseHeaders);
        Assert.Equal(written, r.Info!.ResponseText);
    }

    [Fact]
    public void without_a_writer_nothing_is_written_and_the_header_pairs_are_the_same()
    {
        var route = new WebSocketRouteOptions { Subprotocols = ["chat"], Connection = Deflate };
        string request = Offering("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate");
        var (withWriter, written) = Run(request, route);
        var headersOnly = ServerUpgrade.Run(ParseRequest(request), route, Plain, response: null);
        Assert.True(headersOnly.IsAccepted);
        Assert.Equal(withWriter.ResponseHeaders, headersOnly.ResponseHeaders);
        Assert.Equal(WrittenHeaders(written), headersOnly.ResponseHeaders);
        Assert.Equal(withWriter.Deflate!.ToString(), headersOnly.Deflate!.ToString());
    }

    // ---- refused ----

    [Fact]
    public void an_invalid_request_is_refused_with_its_problems_before_the_application_is_asked()
    {
        bool asked = false;
        var route = new WebSocketRouteOptions { OnUpgrade = _ => { asked = true; return UpgradeDecision.Accept(); } };
        var (r, written) = Run(UpgradeRequest(l => [.. l.Where(x => !x.StartsWith("Sec-WebSocket-Version", StringComparison.Ordinal)), "Sec-WebSocket-Version: 8"]), route);
        Assert.False(r.IsAccepted);
        Assert.Equal(426, r.Rejection.StatusCode);
        Assert.Equal(HandshakeProblemCode.UnsupportedVersion, r.Rejection.Problems[0].Code);
        Assert.Null(r.Request);
        Assert.Null(r.Error);
        Assert.False(asked);
        Assert.Empty(written);
    }

    [Fact]
    public void a_plain_get_on_a_websocket_path_is_refused_with_426()
    {
        var (r, written) = Run(Request("/chat", "Host: x"));
        Assert.Equal(426, r.Rejection!.StatusCode);
        Assert.Equal(HandshakeProblemCode.PlainHttpRequest, r.Rejection.Problems[0].Code);
        Assert.Empty(written);
    }

    [Fact]
    public void the_applications_refusal_is_sent_as_it_chose_it()
    {
        var route = new WebSocketRouteOptions
        {
            Connection = Deflate,
            OnUpgrade = req => req.Origin == "https://example.com" ? UpgradeDecision.Reject(403, "Origin not allowed.", [new("X-Why", "origin")]) : UpgradeDecision.Accept(),
        };
        var (r, written) = Run(ChromiumRequest, route);
        Assert.Equal(403, r.Rejection!.StatusCode);
        Assert.Equal(HandshakeProblemCode.RejectedByApplication, Assert.Single(r.Rejection.Problems).Code);
        Assert.Equal("origin", Assert.Single(r.Rejection.Headers, h => h.Key == "X-Why").Value);
        Assert.Contains("Origin not allowed.", r.Rejection.Body, StringComparison.Ordinal);
        Assert.Null(r.Deflate);
        Assert.Empty(written);
    }

    [Fact]
    public void a_request_the_host_cannot_upgrade_is_refused_with_400_after_validation()
    {
        var (valid, written) = Run(UpgradeRequest(), upgradable: false);
        Assert.Equal(400, valid.Rejection!.StatusCode);
        Assert.Contains("HTTP/1.1 requests and HTTP/2 extended CONNECTs only", valid.Rejection.Body, StringComparison.Ordinal);
        Assert.Empty(written);

        var (invalid, _) = Run(UpgradeRequest(l => [.. l.Where(x => !x.StartsWith("Sec-WebSocket-Key", StringComparison.Ordinal))]), upgradable: false);
        Assert.Equal(HandshakeProblemCode.MissingKey, invalid.Rejection!.Problems[0].Code);
    }

    [Fact]
    public void an_application_callback_that_throws_gets_a_500_and_the_exception_for_the_log()
    {
        var boom = new InvalidOperationException("database down");
        var (r, written) = Run(UpgradeRequest(), new WebSocketRouteOptions { OnUpgrade = _ => throw boom });
        Assert.Equal(500, r.Rejection!.StatusCode);
        Assert.Same(boom, r.Error);
        Assert.DoesNotContain("database down", r.Rejection.Body, StringComparison.Ordinal);
        Assert.Empty(written);
    }

    [Theory]
    [InlineData("mqtt", null, null)]
    [InlineData(null, "X-Bad", "a\r\nInjected: yes")]
    [InlineData(null, "Sec-WebSocket-Accept", "forged")]
    [InlineData(null, "Bad Name", "x")]
    public void an_application_choice_the_handshake_cannot_send_gets_a_500_not_a_broken_101(string? subprotocol, string? name, string? value)
    {
        var route = new WebSocketRouteOptions
        {
            OnUpgrade = _ => UpgradeDecision.Accept(subprotocol, name is null ? null : [new(name, value!)]),
        };
        var (r, written) = Run(Offering("Sec-WebSocket-Protocol: chat"), route);
        Assert.Equal(500, r.Rejection!.StatusCode);
        Assert.IsType<ArgumentException>(r.Error);
        Assert.Empty(written);
    }
}
