namespace Ws101.Handshake;

/// <summary>The server's verdict on an upgrade request: an <see cref="UpgradeRequest"/> to accept, or a <see cref="HandshakeRejection"/>.</summary>
internal sealed class ServerHandshakeResult
{
    private ServerHandshakeResult(UpgradeRequest? request, HandshakeRejection? rejection)
    {
        Request = request;
        Rejection = rejection;
    }

    /// <summary>True when the request is a valid upgrade.</summary>
    public bool IsValid => Request is not null;

    /// <summary>The request when valid.</summary>
    public UpgradeRequest? Request { get; }

    /// <summary>The rejection, with its problems and the response to send, when invalid.</summary>
    public HandshakeRejection? Rejection { get; }

    /// <summary>The problems found (empty when valid).</summary>
    public IReadOnlyList<HandshakeProblem> Problems => Rejection?.Problems ?? [];

    internal static ServerHandshakeResult Accept(UpgradeRequest request) => new(request, null);

    internal static ServerHandshakeResult Reject(IReadOnlyList<HandshakeProblem> problems) => new(null, HandshakeRejection.For(problems));
}
