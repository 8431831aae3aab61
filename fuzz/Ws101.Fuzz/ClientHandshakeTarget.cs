using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Fuzz;

/// <summary>
/// The client's check of the server's response (RFC 6455 §4.1) to a fixed request. Input: one option byte (low 2
/// bits: which of four requests was sent; bit 2: the connection ended after these bytes; the high 5 bits: where to
/// cut the response into two segments), then the response bytes.
/// </summary>
/// <remarks>
/// No exception is expected. Checked: a result comes unless the head is unfinished and the connection still open; a
/// success is a 101 whose subprotocol and extensions were offered, whose permessage-deflate element passes
/// <see cref="PerMessageDeflateNegotiation.CheckResponse"/>, and whose agreement configures the connection's deflate
/// state; a span and two segments give the same problems.
/// </remarks>
internal static class ClientHandshakeTarget
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    // The requests our client sends: plain; with subprotocols; with the permessage-deflate offer; with both and
    // client_max_window_bits offered (the offer that lets a server limit our window).
    private static readonly ClientHandshakeRequest[] Requests =
    [
        Request(new ClientHandshakeOptions { Key = Key }),
        Request(new ClientHandshakeOptions { Key = Key, Subprotocols = ["chat", "superchat"], Origin = "http://127.0.0.1" }),
        Request(PerMessageDeflateNegotiation.AddOffer(new ClientHandshakeOptions { Key = Key }, PerMessageDeflateOptions.Default)),
        Request(PerMessageDeflateNegotiation.AddOffer(new ClientHandshakeOptions { Key = Key, Subprotocols = ["v1.json"] },
            new PerMessageDeflateOptions { OfferClientMaxWindowBits = true, ClientNoContextTakeover = true, ServerNoContextTakeover = true })),
    ];

    private static ClientHandshakeRequest Request(ClientHandshakeOptions options) =>
        ClientHandshakeRequest.Create(new Uri("ws://127.0.0.1:8080/chat"), options);

    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        var offer = Requests[options & 3].Offer;
        bool ended = (options & 4) != 0;
        byte[] bytes = fuzz.Rest.ToArray();
        int cut = bytes.Length == 0 ? 0 : (options >> 3) * bytes.Length / 32;

        var whole = ClientHandshake.Read(offer, new System.Buffers.ReadOnlySequence<byte>(bytes), ended, null, out int consumed, out var head);
        var split = ClientHandshake.Read(offer, Chunks.Sequence([bytes.AsMemory(0, cut), bytes.AsMemory(cut)]), ended, null, out int splitConsumed, out _);
        Invariant.Holds(consumed <= bytes.Length && consumed == splitConsumed, $"consumed {consumed} and {splitConsumed} of {bytes.Length} bytes");
        Invariant.Holds(Codes(whole) == Codes(split), $"one span gave [{Codes(whole)}], two segments [{Codes(split)}]");
        if (whole is null)
        {
            Invariant.Holds(!ended, "no result although the connection ended");
            return;
        }
        Invariant.Holds(whole.IsSuccess == (whole.Problems.Count == 0), "IsSuccess disagrees with the problems");
        foreach (var p in whole.Problems)
        {
            _ = p.ToString();
        }
        if (!whole.IsSuccess)
        {
            Invariant.Holds(whole.Subprotocol is null && whole.Extensions.Count == 0, "a failed handshake negotiated something");
            return;
        }

        Invariant.Holds(head is { StatusCode: 101 }, $"success with status {head?.StatusCode}");
        Invariant.Holds(whole.Subprotocol is null || offer.Subprotocols.Contains(whole.Subprotocol), $"subprotocol '{whole.Subprotocol}' was not offered");
        int deflateElements = 0;
        foreach (var e in whole.Extensions)
        {
            Invariant.Holds(offer.Extensions.Any(o => string.Equals(o.Name, e.Name, StringComparison.OrdinalIgnoreCase)), $"extension '{e}' was not offered");
            Invariant.Holds(PerMessageDeflateNegotiation.CheckResponse(offer.Extensions, e, deflateElements) is null, $"accepted '{e}' fails CheckResponse");
            if (PerMessageDeflateNegotiation.IsPerMessageDeflate(e))
            {
                deflateElements++;
            }
        }
        // What the client does next: configure permessage-deflate from the agreement.
        if (PerMessageDeflateNegotiation.FromResponse(whole.Extensions) is { } agreement)
        {
            int bits = agreement.MaxWindowBits(WebSocketRole.Client);
            Invariant.Holds(bits is >= PerMessageDeflateParameters.MinWindowBits and <= PerMessageDeflateParameters.MaxWindowBits, $"window bits {bits}");
            using var deflate = new PerMessageDeflate(agreement, WebSocketRole.Client, PerMessageDeflateOptions.Default, ProtocolOptions.DefaultMaxSize);
        }
    }

    private static string Codes(ClientHandshakeResult? r) => r is null ? "null" : string.Join(",", r.Problems.Select(p => p.Id));
}
