using Ws101.Handshake;

namespace Ws101.Compression;

// With the handshake: negotiating an extension is part of the opening handshake (RFC 6455 §9.1), and the client's check
// of a response runs inside ClientHandshake. The codec that carries out the agreement lives in Compression, above this.

/// <summary>
/// Extension negotiation for permessage-deflate (RFC 7692 §5, §7.1), as pure functions over header elements: the
/// server chooses among the client's offers and builds its response; the client builds its offer and checks the
/// response.
/// </summary>
internal static class PerMessageDeflateNegotiation
{
    /// <summary>
    /// Server side: goes through the client's <paramref name="offers"/> in order and accepts the first
    /// permessage-deflate offer it can honour; null when compression is off or every offer was declined (the
    /// connection then goes on uncompressed: RFC 7692 declines an offer, it never rejects the handshake).
    /// </summary>
    /// <param name="offers">The request's <c>Sec-WebSocket-Extensions</c> elements, in order.</param>
    /// <param name="options">The server's compression options; null for none.</param>
    /// <param name="declined">Why each declined permessage-deflate offer was declined (for logs and diagnostics).</param>
    public static PerMessageDeflateAgreement? Accept(IReadOnlyList<WebSocketExtension> offers, PerMessageDeflateOptions? options,
        List<string>? declined = null)
    {
        ArgumentNullException.ThrowIfNull(offers);
        if (options is null)
        {
            return null;
        }
        foreach (var offer in offers)
        {
            if (!string.Equals(offer.Name, PerMessageDeflateParameters.ExtensionName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            // RFC 7692 §7.1: "A server MUST decline an extension negotiation offer for this extension if any of the following
            // conditions are met: [...] an extension parameter not defined for use in an offer [...] an extension parameter
            // with an invalid value [...] multiple extension parameters with the same name [...] The server doesn't support
            // the offered configuration."
            if (!PerMessageDeflateParameters.TryParse(offer, isOffer: true, out var p, out var error))
            {
                declined?.Add($"'{offer}': {error}");
                continue;
            }
            return new PerMessageDeflateAgreement(new PerMessageDeflateParameters
            {
                // RFC 7692 §7.1.1.1: a server accepts an offer with server_no_context_takeover "by including the
                // server_no_context_takeover extension parameter in the corresponding extension negotiation response", and
                // "MAY include [it] in an extension negotiation response even if the extension negotiation offer [...] didn't".
                ServerNoContextTakeover = p.ServerNoContextTakeover || options.ServerNoContextTakeover,
                // RFC 7692 §7.1.1.2: the server may answer with client_no_context_takeover whether or not it was offered;
                // doing so lets us free the decompression context between messages.
                ClientNoContextTakeover = p.ClientNoContextTakeover || options.ClientNoContextTakeover,
                // RFC 7692 §7.1.2.1: an offer with server_max_window_bits is accepted by including it "with a value equal to
                // or smaller than the value in the offer". We honour any N from 8 to 15 (see PerMessageDeflateOptions remarks).
                ServerMaxWindowBits = p.ServerMaxWindowBits,
                // RFC 7692 §7.1.2.2: the server "MAY" limit the client's window only if the offer has client_max_window_bits.
                // We inflate with a 15-bit window whatever the client uses, so we never ask for less, and echo a client's
                // own limit only to confirm it.
                ClientMaxWindowBits = p.ClientMaxWindowBits,
            });
        }
        return null;
    }

    /// <summary>Client side: the offer that <paramref name="options"/> describe.</summary>
    public static WebSocketExtension CreateOffer(PerMessageDeflateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PerMessageDeflateParameters
        {
            ServerNoContextTakeover = options.ServerNoContextTakeover,
            ClientNoContextTakeover = options.ClientNoContextTakeover,
            ClientMaxWindowBitsSupported = options.OfferClientMaxWindowBits,
        }.ToExtension();
    }

    /// <summary>Client side: <paramref name="handshake"/> with the permessage-deflate offer appended (unchanged when <paramref name="options"/> is null or it already offers one).</summary>
    public static ClientHandshakeOptions AddOffer(ClientHandshakeOptions handshake, PerMessageDeflateOptions? options)
    {
        ArgumentNullException.ThrowIfNull(handshake);
        if (options is null || handshake.Extensions.Any(IsPerMessageDeflate))
        {
            return handshake;
        }
        return handshake with { Extensions = [.. handshake.Extensions, CreateOffer(options)] };
    }

    /// <summary>
    /// Client side: checks one element of the server's response against the client's offers. Null when the element is
    /// acceptable or is not permessage-deflate; otherwise the problem (<see cref="HandshakeProblemCode.InvalidExtensionResponse"/>),
    /// which fails the connection.
    /// </summary>
    /// <param name="offers">Every extension element the client offered.</param>
    /// <param name="response">One element of the response.</param>
    /// <param name="earlierResponses">How many permessage-deflate elements the response had before this one.</param>
    public static HandshakeProblem? CheckResponse(IReadOnlyList<WebSocketExtension> offers, WebSocketExtension response, int earlierResponses = 0)
    {
        ArgumentNullException.ThrowIfNull(offers);
        ArgumentNullException.ThrowIfNull(response);
        if (!IsPerMessageDeflate(response) || !offers.Any(IsPerMessageDeflate))
        {
            return null;
        }
        string expected = "one of the offers: " + string.Join(", ", offers.Where(IsPerMessageDeflate));
        // RFC 6455 §9.1 and RFC 7692 §5: the server accepts at most one of the offers of an extension.
        if (earlierResponses > 0)
        {
            return Problem(expected, response, "the server accepted permessage-deflate more than once");
        }
        // RFC 7692 §7.1: "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension negotiation
        // offer for this extension with an extension negotiation response meeting any of the following conditions: [...]
        // an extension parameter not defined for use in a response [...] an extension parameter with an invalid value
        // [...] multiple extension parameters with the same name [...] The client does not support the configuration
        // that the response represents."
        if (!PerMessageDeflateParameters.TryParse(response, isOffer: false, out var p, out var error))
        {
            return Problem(expected, response, error!);
        }
        string? lastReason = null;
        foreach (var offerElement in offers.Where(IsPerMessageDeflate))
        {
            if (!PerMessageDeflateParameters.TryParse(offerElement, isOffer: true, out var o, out _))
            {
                continue;
            }
            lastReason = Mismatch(o, p);
            if (lastReason is null)
            {
                return null;
            }
        }
        return Problem(expected, response, lastReason ?? "no valid permessage-deflate offer was made");
    }

    /// <summary>Client side: the agreement in an already checked response, or null when permessage-deflate was not accepted.</summary>
    public static PerMessageDeflateAgreement? FromResponse(IReadOnlyList<WebSocketExtension> accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        foreach (var e in accepted)
        {
            if (IsPerMessageDeflate(e) && PerMessageDeflateParameters.TryParse(e, isOffer: false, out var p, out _))
            {
                return new PerMessageDeflateAgreement(p);
            }
        }
        return null;
    }

    /// <summary>Why response <paramref name="r"/> does not accept offer <paramref name="o"/>; null when it does.</summary>
    private static string? Mismatch(PerMessageDeflateParameters o, PerMessageDeflateParameters r)
    {
        // RFC 7692 §7.1.1.1: a server accepts an offer with server_no_context_takeover by including that parameter.
        if (o.ServerNoContextTakeover && !r.ServerNoContextTakeover)
        {
            return "the offer asked for server_no_context_takeover, and the response does not include it";
        }
        // RFC 7692 §7.1.2.1: accepted "by including the server_max_window_bits extension parameter in the extension
        // negotiation response with the same or smaller value as the offer".
        if (o.ServerMaxWindowBits is { } offered && (r.ServerMaxWindowBits is not { } answered || answered > offered))
        {
            return $"the offer limited server_max_window_bits to {offered}, and the response has {(r.ServerMaxWindowBits is { } a ? a.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}";
        }
        // RFC 7692 §7.1.2.2: "If a received extension negotiation offer doesn't have the client_max_window_bits extension
        // parameter, the corresponding extension negotiation response to the offer MUST NOT include the
        // client_max_window_bits extension parameter."
        if (r.ClientMaxWindowBits is { } limit)
        {
            if (!o.ClientMaxWindowBitsSupported)
            {
                return "the response has client_max_window_bits, which the offer did not include";
            }
            if (o.ClientMaxWindowBits is { } hint && limit > hint)
            {
                return $"the response raises client_max_window_bits above the offer's {hint}";
            }
        }
        return null;
    }

    private static HandshakeProblem Problem(string expected, WebSocketExtension response, string why) =>
        new(HandshakeProblemCode.InvalidExtensionResponse, KnownHeaderNames.SecWebSocketExtensions, expected, response.ToString()) { Evidence = why };

    internal static bool IsPerMessageDeflate(WebSocketExtension e) =>
        string.Equals(e.Name, PerMessageDeflateParameters.ExtensionName, StringComparison.OrdinalIgnoreCase);
}
