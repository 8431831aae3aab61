using System.Diagnostics;

namespace Ws101.Diagnostics;

/// <summary>
/// The library's traces, on the <see cref="ActivitySource"/> named <c>Ws101</c>: one span per opening handshake the
/// server (or MapWs101) answers, named <c>WebSocket upgrade</c>, with its path, HTTP version, outcome, the
/// HandshakeProblem codes of a refusal (the span's status is then Error), and the negotiated subprotocol and extensions.
/// Subscribe with OpenTelemetry's <c>AddSource("Ws101")</c> or an <see cref="ActivityListener"/>; with no listener no span is made.
/// </summary>
public static class Ws101ActivitySource
{
    /// <summary>The source's name, <c>Ws101</c>.</summary>
    public const string Name = "Ws101";

    /// <summary>The name of the span of an opening handshake.</summary>
    public const string UpgradeSpanName = "WebSocket upgrade";

    internal static readonly ActivitySource Source = new(Name, "1.0");
}
