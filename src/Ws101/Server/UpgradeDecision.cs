using Ws101.Handshake;
using Ws101.Server;

namespace Ws101;

/// <summary>
/// What the application decides about a valid upgrade request: accept it (choosing a subprotocol and adding
/// headers to the 101), or refuse it with a status and a reason the client will see.
/// </summary>
public sealed class UpgradeDecision
{
    private UpgradeDecision(HandshakeRejection? rejection, string? subprotocol, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Rejection = rejection;
        Subprotocol = subprotocol;
        Headers = headers;
    }

    /// <summary>True when the upgrade is accepted.</summary>
    public bool IsAccepted => Rejection is null;

    /// <summary>The refusal, when refused.</summary>
    internal HandshakeRejection? Rejection { get; }

    /// <summary>The subprotocol to agree to; null lets the route's preference list choose.</summary>
    public string? Subprotocol { get; }

    /// <summary>Extra headers for the 101 response.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Accepts the upgrade.</summary>
    /// <param name="subprotocol">One of the subprotocols the client offered, or null.</param>
    /// <param name="headers">Extra headers for the 101 (a cookie, a server name).</param>
    public static UpgradeDecision Accept(string? subprotocol = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        subprotocol is null && headers is null ? PlainAccept : new(null, subprotocol, headers ?? []);

    private static readonly UpgradeDecision PlainAccept = new(null, null, []);

    /// <summary>Refuses the upgrade with <paramref name="statusCode"/> (4xx or 5xx) and a reason sent in the body.</summary>
    public static UpgradeDecision Reject(int statusCode, string reason, IEnumerable<KeyValuePair<string, string>>? headers = null) =>
        new(HandshakeRejection.ByApplication(statusCode, reason, headers), null, []);
}
