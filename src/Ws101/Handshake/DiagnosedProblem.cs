namespace Ws101.Handshake;

/// <summary>A problem found in a transcript, with the part it belongs to, so that it can be shown beside its line.</summary>
/// <param name="Part">Which head: <see cref="HandshakePart.Request"/> or <see cref="HandshakePart.Response"/>.</param>
/// <param name="Problem">The problem.</param>
public sealed record DiagnosedProblem(HandshakePart Part, HandshakeProblem Problem);

/// <summary>The two heads of an opening handshake.</summary>
public enum HandshakePart
{
    /// <summary>The client's upgrade request.</summary>
    Request,
    /// <summary>The server's response.</summary>
    Response,
}
