using Ws101.Compression;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class PerMessageDeflateNegotiationTests
{
    private static WebSocketExtension Element(string header)
    {
        var list = new List<WebSocketExtension>();
        Assert.True(WebSocketExtension.TryParse(header, list, out var error), error);
        return Assert.Single(list);
    }

    private static List<WebSocketExtension> Elements(string header)
    {
        var list = new List<WebSocketExtension>();
        Assert.True(WebSocketExtension.TryParse(header, list, out var error), error);
        return list;
    }

    private static readonly PerMessageDeflateOptions On = new();

    [Fact]
    public void parses_every_parameter_of_an_offer()
    {
        Assert.True(PerMessageDeflateParameters.TryParse(
            Element("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits"),
            isOffer: true, out var p, out var error), error);
        Assert.True(p.ServerNoContextTakeover);
        Assert.True(p.ClientNoContextTakeover);
        Assert.Equal(10, p.ServerMaxWindowBits);
        Assert.True(p.ClientMaxWindowBitsSupported);
        Assert.Null(p.ClientMaxWindowBits);
    }

    [Theory]
    [InlineData("permessage-deflate", null, null)]
    [InlineData("permessage-deflate; client_max_window_bits=9", null, 9)]
    [InlineData("permessage-deflate; client_max_window_bits=\"12\"", null, 12)]
    [InlineData("permessage-deflate; server_max_window_bits=8", 8, null)]
    [InlineData("permessage-deflate; server_max_window_bits=15; client_max_window_bits=15", 15, 15)]
    [InlineData("PerMessage-Deflate; SERVER_MAX_WINDOW_BITS=11", 11, null)]
    public void reads_window_bits(string header, int? server, int? client)
    {
        Assert.True(PerMessageDeflateParameters.TryParse(Element(header), isOffer: true, out var p, out var error), error);
        Assert.Equal(server, p.ServerMaxWindowBits);
        Assert.Equal(client, p.ClientMaxWindowBits);
    }

    [Theory]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover", "more than once")]
    [InlineData("permessage-deflate; client_no_context_takeover; client_no_context_takeover", "more than once")]
    [InlineData("permessage-deflate; server_max_window_bits=10; server_max_window_bits=11", "more than once")]
    [InlineData("permessage-deflate; client_max_window_bits; client_max_window_bits=10", "more than once")]
    [InlineData("permessage-deflate; server_no_context_takeover=1", "takes no value")]
    [InlineData("permessage-deflate; client_no_context_takeover=true", "takes no value")]
    [InlineData("permessage-deflate; server_max_window_bits", "without one")]
    [InlineData("permessage-deflate; server_max_window_bits=7", "8 to 15")]
    [InlineData("permessage-deflate; server_max_window_bits=16", "8 to 15")]
    [InlineData("permessage-deflate; server_max_window_bits=08", "8 to 15")]
    [InlineData("permessage-deflate; server_max_window_bits=010", "8 to 15")]
    [InlineData("permessage-deflate; server_max_window_bits=abc", "8 to 15")]
    [InlineData("permessage-deflate; client_max_window_bits=0", "8 to 15")]
    [InlineData("permessage-deflate; client_max_window_bits=16", "8 to 15")]
    [InlineData("permessage-deflate; client_max_window_bits=-9", "8 to 15")]
    [InlineData("permessage-deflate; mux", "not defined")]
    [InlineData("permessage-deflate; x_window=9", "not defined")]
    public void declines_invalid_offers(string header, string reason)
    {
        Assert.False(PerMessageDeflateParameters.TryParse(Element(header), isOffer: true, out _, out var error));
        Assert.Contains(reason, error);
        var declined = new List<string>();
        Assert.Null(PerMessageDeflateNegotiation.Accept([Element(header)], On, declined));
        Assert.Contains(reason, Assert.Single(declined));
    }

    [Fact]
    public void a_response_needs_a_value_for_client_max_window_bits()
    {
        Assert.False(PerMessageDeflateParameters.TryParse(Element("permessage-deflate; client_max_window_bits"), isOffer: false, out _, out var error));
        Assert.Contains("needs a value", error);
    }

    [Fact]
    public void the_server_takes_the_first_offer_it_can_honour_and_skips_other_extensions()
    {
        var offers = Elements("x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=99, permessage-deflate; client_max_window_bits; server_no_context_takeover, permessage-deflate");
        var declined = new List<string>();
        var agreement = PerMessageDeflateNegotiation.Accept(offers, On, declined);
        Assert.NotNull(agreement);
        Assert.Single(declined);
        Assert.Equal("permessage-deflate; server_no_context_takeover", agreement.Response.ToString());
    }

    [Theory]
    // Chromium's and Node's offer: the server does not limit the client's window (it inflates with 15 bits anyway).
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [InlineData("permessage-deflate", "permessage-deflate")]
    // §7.1.1.1: accepted by including server_no_context_takeover.
    [InlineData("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    // §7.1.1.2: the client's reset lets the server free its inflater between messages; confirmed in the response.
    [InlineData("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    // §7.1.2.1: accepted by including server_max_window_bits with the same or a smaller value.
    [InlineData("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15")]
    // §7.1.2.2: a client's own limit is confirmed.
    [InlineData("permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=12")]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9")]
    public void the_server_response_for_each_parameter(string offer, string response)
    {
        var agreement = PerMessageDeflateNegotiation.Accept([Element(offer)], On);
        Assert.NotNull(agreement);
        Assert.Equal(response, agreement.Response.ToString());
        // Whatever the server answers, the client that made the offer accepts it.
        Assert.Null(PerMessageDeflateNegotiation.CheckResponse([Element(offer)], agreement.Response));
    }

    [Fact]
    public void server_options_add_no_context_takeover_unasked()
    {
        var options = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true };
        var agreement = PerMessageDeflateNegotiation.Accept([Element("permessage-deflate")], options);
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", agreement!.Response.ToString());
        Assert.True(agreement.NoContextTakeover(Ws101.Protocol.WebSocketRole.Server));
        Assert.True(agreement.NoContextTakeover(Ws101.Protocol.WebSocketRole.Client));
    }

    [Fact]
    public void off_means_no_agreement()
    {
        Assert.Null(PerMessageDeflateNegotiation.Accept([Element("permessage-deflate")], null));
        Assert.Null(PerMessageDeflateNegotiation.Accept([Element("x-other")], On));
    }

    [Fact]
    public void the_client_offer_follows_its_options()
    {
        Assert.Equal("permessage-deflate", PerMessageDeflateNegotiation.CreateOffer(new()).ToString());
        Assert.Equal("permessage-deflate; client_max_window_bits", PerMessageDeflateNegotiation.CreateOffer(new() { OfferClientMaxWindowBits = true }).ToString());
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            PerMessageDeflateNegotiation.CreateOffer(new() { ServerNoContextTakeover = true, ClientNoContextTakeover = true }).ToString());
        var handshake = PerMessageDeflateNegotiation.AddOffer(new ClientHandshakeOptions(), new());
        Assert.Equal("permessage-deflate", Assert.Single(handshake.Extensions).Name);
        Assert.Same(handshake, PerMessageDeflateNegotiation.AddOffer(handshake, new()));
    }

    [Theory]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; client_no_context_takeover")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_max_window_bits=8")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=12")]
    [InlineData("permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits=12", "permessage-deflate; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover")]
    // Two offers: the response fits the second.
    [InlineData("permessage-deflate; server_no_context_takeover, permessage-deflate", "permessage-deflate")]
    public void the_client_accepts_valid_responses(string offers, string response)
    {
        Assert.Null(PerMessageDeflateNegotiation.CheckResponse(Elements(offers), Element(response)));
        var agreement = PerMessageDeflateNegotiation.FromResponse([Element(response)]);
        Assert.NotNull(agreement);
    }

    [Theory]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; mux", "not defined")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "more than once")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover=yes", "takes no value")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_max_window_bits=16", "8 to 15")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_max_window_bits", "without one")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits", "needs a value")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=7", "8 to 15")]
    [InlineData("permessage-deflate", "permessage-deflate; client_max_window_bits=10", "did not include")]
    [InlineData("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=12", "above the offer")]
    [InlineData("permessage-deflate; server_max_window_bits=10", "permessage-deflate", "has none")]
    [InlineData("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=12", "has 12")]
    [InlineData("permessage-deflate; server_no_context_takeover", "permessage-deflate", "server_no_context_takeover")]
    public void the_client_fails_on_invalid_or_unacceptable_responses(string offers, string response, string reason)
    {
        var problem = PerMessageDeflateNegotiation.CheckResponse(Elements(offers), Element(response));
        Assert.NotNull(problem);
        Assert.Equal(HandshakeProblemCode.InvalidExtensionResponse, problem.Code);
        Assert.Equal("invalid-extension-response", problem.Id);
        Assert.Contains(reason, problem.Evidence);
    }

    [Fact]
    public void the_client_fails_when_permessage_deflate_is_accepted_twice()
    {
        var offers = Elements("permessage-deflate, permessage-deflate; client_max_window_bits");
        Assert.NotNull(PerMessageDeflateNegotiation.CheckResponse(offers, Element("permessage-deflate"), earlierResponses: 1));
    }

    [Fact]
    public void the_client_handshake_reports_an_invalid_response_as_a_problem()
    {
        var request = ClientHandshakeRequest.Create(new Uri("ws://127.0.0.1/x"),
            PerMessageDeflateNegotiation.AddOffer(new ClientHandshakeOptions { Key = "dGhlIHNhbXBsZSBub25jZQ==" }, new() { OfferClientMaxWindowBits = true }));
        string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=20\r\n\r\n";
        var result = ClientHandshake.Read(request.Offer, new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(response)),
            connectionEnded: false, HttpParseLimits.Default, out _, out _);
        Assert.NotNull(result);
        Assert.False(result.IsSuccess);
        Assert.Contains(result.Problems, p => p.Code == HandshakeProblemCode.InvalidExtensionResponse);
    }
}
