using System.Diagnostics.CodeAnalysis;
using Ws101.Compression;
using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>
/// What <see cref="ServerUpgrade.Run"/> decided: an accepted upgrade, with everything the 101 and the connection need,
/// or the rejection to send. A struct: the accepted common case costs no allocation of its own.
/// </summary>
internal readonly struct ServerUpgradeResult
{
    private readonly List<KeyValuePair<string, string>>? _headers;

    private ServerUpgradeResult(HandshakeRejection? rejection, Exception? error, UpgradeRequest? request, string? subprotocol,
        PerMessageDeflateAgreement? deflate, IReadOnlyList<KeyValuePair<string, string>> extraHeaders, WebSocketConnectionOptions? options,
        WebSocketHandshakeInfo? info, List<KeyValuePair<string, string>>? headers, IReadOnlyList<string>? declined)
    {
        Rejection = rejection;
        Error = error;
        Request = request;
        Subprotocol = subprotocol;
        Deflate = deflate;
        ExtraHeaders = extraHeaders;
        Options = options;
        Info = info;
        _headers = headers;
        DeclinedOffers = declined ?? [];
    }

    /// <summary>True when the upgrade is accepted: <see cref="Request"/>, <see cref="Options"/> and <see cref="Info"/> are set.</summary>
    [MemberNotNullWhen(true, nameof(Request), nameof(Options), nameof(Info))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsAccepted => Rejection is null;

    /// <summary>The response to send instead of the 101: the request's problems, the application's refusal, or a 500.</summary>
    public HandshakeRejection? Rejection { get; }

    /// <summary>When the application's callback or choice failed (the rejection is then a 500): the exception, for the log.</summary>
    public Exception? Error { get; }

    /// <summary>The validated request.</summary>
    public UpgradeRequest? Request { get; }

    /// <summary>The agreed subprotocol, or null.</summary>
    public string? Subprotocol { get; }

    /// <summary>The permessage-deflate agreement, or null when compression is off for the route or nothing offered could be accepted.</summary>
    public PerMessageDeflateAgreement? Deflate { get; }

    /// <summary>The extra headers of the application's decision, as sent in the 101.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders { get; }

    /// <summary>The connection options in force: the route's, or the defaults.</summary>
    public WebSocketConnectionOptions? Options { get; }

    /// <summary>What the handshake established, for <see cref="WebSocketConnection.Handshake"/>.</summary>
    public WebSocketHandshakeInfo? Info { get; }

    /// <summary>Why each permessage-deflate offer was declined, when asked for (RFC 7692 §7.1); empty otherwise.</summary>
    public IReadOnlyList<string> DeclinedOffers { get; }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value (RFC 6455 §4.2.2 item 5.4).</summary>
    public string AcceptValue => WebSocketAccept.Compute(Request!.Key);

    /// <summary>
    /// The 101's header fields as name/value pairs, in the order they are written: Upgrade, Connection, Sec-WebSocket-Accept,
    /// then Sec-WebSocket-Protocol and Sec-WebSocket-Extensions when agreed, then the application's extra headers. For a host
    /// that writes the status line itself; built on demand, so the server's own fast path never builds it. For an HTTP/2
    /// extended CONNECT, the 200's fields: the agreements and the extra headers only (RFC 8441 §5).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders =>
        _headers ?? ServerHandshake.AcceptResponseHeaders(Request!, null, null, null);

    internal static ServerUpgradeResult Refused(HandshakeRejection rejection) =>
        new(rejection, null, null, null, null, [], null, null, null, null);

    internal static ServerUpgradeResult Failed(Exception error, string reason) =>
        new(HandshakeRejection.ByApplication(500, reason), error, null, null, null, [], null, null, null, null);

    internal static ServerUpgradeResult Accepted(UpgradeRequest request, string? subprotocol, PerMessageDeflateAgreement? deflate,
        IReadOnlyList<KeyValuePair<string, string>> extraHeaders, WebSocketConnectionOptions options, WebSocketHandshakeInfo info,
        List<KeyValuePair<string, string>>? headers, IReadOnlyList<string>? declined) =>
        new(null, null, request, subprotocol, deflate, extraHeaders, options, info, headers, declined);
}
