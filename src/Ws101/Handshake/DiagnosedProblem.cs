namespace Ws101.Handshake;

/// <summary>A problem found in a transcript, with the part it belongs to, so that it can be shown beside its line.</summary>
/// <param name="Part">Which head: <see cref="HandshakePart.Request"/> or <see cref="HandshakePart.Response"/>.</param>
/// <param name="Problem">The problem.</param>
internal sealed record DiagnosedProblem(HandshakePart Part, HandshakeProblem Problem);
