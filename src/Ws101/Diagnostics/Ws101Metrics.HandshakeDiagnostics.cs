namespace Ws101.Diagnostics;

public static partial class Ws101Metrics
{
    /// <summary>The <c>source</c> tag of a refusal counted by <c>UseWs101HandshakeDiagnostics</c> (Ws101.AspNetCore).</summary>
    internal const string HandshakeDiagnosticsSource = "UseWs101HandshakeDiagnostics";

    /// <summary>
    /// Counts an invalid upgrade seen in front of another WebSocket stack, in <c>ws101.handshakes.rejected</c> like Ws101's own
    /// refusals, tagged with the problem code and the <c>source</c>, so that the two can be told apart.
    /// </summary>
    internal static void InvalidUpgradeSeen(string problemId) =>
        HandshakesRejected.Add(1, new KeyValuePair<string, object?>("problem", problemId), new KeyValuePair<string, object?>("source", HandshakeDiagnosticsSource));
}
