namespace Ws101.Handshake;

/// <summary>
/// What a client's request offered, which its response is checked against: the key, the subprotocols
/// and the extensions. Built from a request we sent (<see cref="ClientHandshakeRequest"/>) or from a
/// captured request being diagnosed.
/// </summary>
/// <param name="Key">The Sec-WebSocket-Key sent, or null when unknown (the accept cannot be checked then).</param>
/// <param name="Subprotocols">The subprotocols offered.</param>
/// <param name="Extensions">The extensions offered.</param>
/// <param name="Origin">The Origin sent, if any (it helps explain a 403).</param>
internal sealed record HandshakeOffer(string? Key, IReadOnlyList<string> Subprotocols, IReadOnlyList<WebSocketExtension> Extensions, string? Origin = null)
{
    /// <summary>
    /// The offer of a request that was not seen (a response diagnosed alone): the accept, subprotocol and
    /// extensions cannot be checked against it, and are not.
    /// </summary>
    public static HandshakeOffer Unknown { get; } = new(null, [], []) { IsKnown = false };

    /// <summary>The Sec-WebSocket-Version the request sent (13 for this library's client), or null when unknown; it explains a 426.</summary>
    public string? Version { get; init; }

    /// <summary>False for <see cref="Unknown"/>: what was offered is not known, so choices in the response are not checked.</summary>
    public bool IsKnown { get; init; } = true;

    /// <summary>An offer read from a captured request head, lenient about its errors (the request is diagnosed on its own).</summary>
    public static HandshakeOffer FromRequest(HttpRequestHead request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var h = request.Headers;
        var subprotocols = h.GetListElements(KnownHeaderNames.SecWebSocketProtocol).ToList();
        var extensions = new List<WebSocketExtension>();
        foreach (var f in h.FindAll(KnownHeaderNames.SecWebSocketExtensions))
        {
            WebSocketExtension.TryParse(f.Value, extensions, out _);
        }
        return new HandshakeOffer(h.GetFirst(KnownHeaderNames.SecWebSocketKey), subprotocols, extensions, h.GetFirst(KnownHeaderNames.Origin))
        {
            Version = h.Contains(KnownHeaderNames.SecWebSocketVersion) ? string.Join(", ", h.FindAll(KnownHeaderNames.SecWebSocketVersion).Select(f => f.Value)) : null,
        };
    }
}
