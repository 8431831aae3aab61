using System.Text;
using Ws101.Compression;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// <c>Sec-WebSocket-Extensions</c> (RFC 6455 §9.1) and permessage-deflate negotiation (RFC 7692 §7.1) on both sides.
/// Input: one option byte (bit 0: the server has compression off; bits 1-2: it adds server_no_context_takeover /
/// client_no_context_takeover), then Latin-1 text: the client's header values (one per line, CR or LF), an empty line,
/// then the server's response values.
/// </summary>
/// <remarks>
/// No exception is expected. Checked: a parsed list renders (<see cref="WebSocketExtension.Format"/>) to text that
/// parses back to the same elements; the server's <see cref="PerMessageDeflateNegotiation.Accept"/> chooses a response
/// that our client's <see cref="PerMessageDeflateNegotiation.CheckResponse"/> accepts for the same offers and reads back
/// to the same parameters; the client's check of any response element returns a problem or null, never throws.
/// </remarks>
internal static class ExtensionNegotiationTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        string text = Encoding.Latin1.GetString(fuzz.Rest).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        string offerText = blank < 0 ? text : text[..blank];
        string responseText = blank < 0 ? "" : text[(blank + 2)..];

        var offers = ParseAll(offerText);
        var responses = ParseAll(responseText);

        // The server: as WebSocketServer does, over whatever the offer header held (a bad header is rejected before this,
        // but the list must never make Accept throw).
        var server = (options & 1) != 0 ? null : new PerMessageDeflateOptions
        {
            ServerNoContextTakeover = (options & 2) != 0,
            ClientNoContextTakeover = (options & 4) != 0,
        };
        var declined = new List<string>();
        var agreement = PerMessageDeflateNegotiation.Accept(offers, server, declined);
        if (agreement is not null)
        {
            Invariant.Holds(server is not null, "an agreement with compression off");
            var problem = PerMessageDeflateNegotiation.CheckResponse(offers, agreement.Response);
            Invariant.Holds(problem is null, $"our client refuses our server's response '{agreement.Response}' to '{WebSocketExtension.Format(offers)}': {problem?.Evidence}");
            // Both sides configure their contexts from the agreement: they must read the same one.
            var read = PerMessageDeflateNegotiation.FromResponse([agreement.Response]);
            Invariant.Holds(read is not null && SameSettings(read.Parameters, agreement.Parameters),
                $"the client reads '{agreement.Response}' as {read?.Parameters}, the server agreed {agreement.Parameters}");
        }

        // The client: every element of the response, as ClientHandshake.Validate goes through them.
        int earlier = 0;
        foreach (var response in responses)
        {
            _ = PerMessageDeflateNegotiation.CheckResponse(offers, response, earlier);
            if (PerMessageDeflateNegotiation.IsPerMessageDeflate(response))
            {
                earlier++;
            }
        }
        _ = PerMessageDeflateNegotiation.FromResponse(responses);
    }

    // ClientMaxWindowBitsSupported says whether an offer had the parameter; a response has a value or not, so it is left out.
    private static bool SameSettings(PerMessageDeflateParameters a, PerMessageDeflateParameters b) =>
        a.ServerNoContextTakeover == b.ServerNoContextTakeover && a.ClientNoContextTakeover == b.ClientNoContextTakeover
        && a.ServerMaxWindowBits == b.ServerMaxWindowBits && a.ClientMaxWindowBits == b.ClientMaxWindowBits;

    private static List<WebSocketExtension> ParseAll(string lines)
    {
        var all = new List<WebSocketExtension>();
        foreach (var value in lines.Split('\n'))
        {
            var one = new List<WebSocketExtension>();
            bool ok = WebSocketExtension.TryParse(value, one, out string? error);
            Invariant.Holds(ok == (error is null), $"TryParse returned {ok} with error '{error}'");
            if (ok)
            {
                string formatted = WebSocketExtension.Format(one);
                var again = new List<WebSocketExtension>();
                Invariant.Holds(WebSocketExtension.TryParse(formatted, again, out error), $"'{formatted}' (from '{value}') does not parse: {error}");
                Invariant.Holds(WebSocketExtension.Format(again) == formatted, $"'{formatted}' parses back as '{WebSocketExtension.Format(again)}'");
            }
            // As HandshakeOffer.FromRequest does: the elements parsed before an error are kept.
            all.AddRange(one);
        }
        return all;
    }
}
