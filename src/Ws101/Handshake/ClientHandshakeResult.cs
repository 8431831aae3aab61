namespace Ws101.Handshake;

/// <summary>The client's verdict on a server's response: success with what was negotiated, or the problems found.</summary>
internal sealed class ClientHandshakeResult
{
    internal ClientHandshakeResult(IReadOnlyList<HandshakeProblem> problems, string? subprotocol, IReadOnlyList<WebSocketExtension> extensions)
    {
        Problems = problems;
        Subprotocol = subprotocol;
        Extensions = extensions;
    }

    /// <summary>True when the response completes the handshake.</summary>
    public bool IsSuccess => Problems.Count == 0;

    /// <summary>Every problem found, most telling first.</summary>
    public IReadOnlyList<HandshakeProblem> Problems { get; }

    /// <summary>The subprotocol the server selected, or null.</summary>
    public string? Subprotocol { get; }

    /// <summary>The extensions the server accepted, with their parameters.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions { get; }
}
