using Ws101.Handshake;
using Ws101.Server;

namespace Ws101;

/// <summary>How one path of the server handles upgrades.</summary>
public sealed record WebSocketRouteOptions
{
    /// <summary>
    /// The subprotocols this endpoint speaks, in its order of preference. When the client offers several, the
    /// first of these that it offered is agreed. Empty: none is agreed unless <see cref="OnUpgrade"/> chooses.
    /// </summary>
    public IReadOnlyList<string> Subprotocols { get; init; } = [];

    /// <summary>
    /// Called with every valid upgrade request before the 101 is sent: check the Origin, the credentials, the
    /// query, and accept or refuse. Null accepts every valid request.
    /// </summary>
    public Func<UpgradeRequest, UpgradeDecision>? OnUpgrade { get; init; }

    /// <summary>The connection options for this path; null uses the server's (with <see cref="MaxMessageSize"/> and <see cref="Compression"/> applied).</summary>
    internal WebSocketConnectionOptions? Connection { get; init; }

    /// <summary>The largest message (and frame) on this path; null (the default) uses the server's <see cref="WebSocketServerOptions.MaxMessageSize"/>.</summary>
    public long? MaxMessageSize { get; init; }

    /// <summary>permessage-deflate on this path (see <see cref="WebSocketServerOptions.Compression"/>); null (the default) uses the server's.</summary>
    public PerMessageDeflateOptions? Compression { get; init; }

    /// <summary>The connection options in force on this path, given the server's.</summary>
    internal WebSocketConnectionOptions ConnectionOptions(WebSocketConnectionOptions defaults)
    {
        var options = Connection ?? defaults;
        if (MaxMessageSize is { } size)
        {
            options = options with { Protocol = options.Protocol.WithMaxSize(size) };
        }
        if (Compression is not null)
        {
            options = options with { Compression = Compression };
        }
        return options;
    }

    /// <summary>The first of <see cref="Subprotocols"/> (the endpoint's order of preference) that the client offered, or null.</summary>
    internal string? ChooseSubprotocol(IReadOnlyList<string> offered)
    {
        foreach (var candidate in Subprotocols)
        {
            foreach (var o in offered)
            {
                if (string.Equals(candidate, o, StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}
