namespace Ws101;

internal static partial class Ws101Metrics
{
    /// <summary>The <c>ws101.handshake.source</c> of a refusal counted by <c>UseWs101HandshakeDiagnostics</c> (Ws101.AspNetCore).</summary>
    internal const string HandshakeDiagnosticsSource = "UseWs101HandshakeDiagnostics";

    /// <summary>
    /// Counts an invalid upgrade seen in front of another WebSocket stack, in <c>ws101.server.handshakes</c> like Ws101's own
    /// refusals, with the problem code as <c>error.type</c>, the request's HTTP version as <c>network.protocol.version</c>
    /// and <c>ws101.handshake.source</c>, so that the two can be told apart.
    /// </summary>
    internal static void InvalidUpgradeSeen(string problemId, Version httpVersion) =>
        Handshakes.Add(1, new KeyValuePair<string, object?>("error.type", problemId),
            new KeyValuePair<string, object?>(ProtocolVersionTag, VersionText(httpVersion)),
            new KeyValuePair<string, object?>("ws101.handshake.source", HandshakeDiagnosticsSource));
}
