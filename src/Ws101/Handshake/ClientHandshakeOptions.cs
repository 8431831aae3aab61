using Ws101.Handshake;

namespace Ws101;

/// <summary>What a client puts in its upgrade request beyond the required headers.</summary>
internal sealed record ClientHandshakeOptions
{
    /// <summary>Subprotocols to offer, in order of preference (each a token).</summary>
    public IReadOnlyList<string> Subprotocols { get; init; } = [];

    /// <summary>Extensions to offer, in order of preference.</summary>
    internal IReadOnlyList<WebSocketExtension> Extensions { get; init; } = [];

    /// <summary>The Origin to send, as browsers do (<c>https://example.com</c>); null to send none.</summary>
    public string? Origin { get; init; }

    /// <summary>More headers (Authorization, Cookie, User-Agent); the handshake's own headers cannot be set here.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>A fixed key instead of a fresh random one: only for tests and reproducing a captured handshake.</summary>
    public string? Key { get; init; }
}
