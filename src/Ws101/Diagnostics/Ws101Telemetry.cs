namespace Ws101;

/// <summary>
/// The names to subscribe to for Ws101's metrics and traces: OpenTelemetry's <c>AddMeter(Ws101Telemetry.MeterName)</c>
/// and <c>AddSource(Ws101Telemetry.ActivitySourceName)</c>, <c>dotnet-counters monitor --counters Ws101</c>, or a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/> and <see cref="System.Diagnostics.ActivityListener"/>.
/// docs/observability.md lists every instrument, the span's attributes and the log events.
/// </summary>
public static class Ws101Telemetry
{
    /// <summary>
    /// The <see cref="System.Diagnostics.Metrics.Meter"/> of every instrument (<c>ws101.server.*</c>, <c>ws101.messages</c>,
    /// <c>ws101.io</c>, <c>ws101.topics.*</c>, <c>ws101.backplane.*</c>): <c>Ws101</c>. Adding to an instrument nobody
    /// listens to costs a branch.
    /// </summary>
    public const string MeterName = "Ws101";

    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> of the library's spans: <c>Ws101</c>. With no listener no span
    /// is made.
    /// </summary>
    public const string ActivitySourceName = "Ws101";

    /// <summary>
    /// The name of the span of one opening handshake the server (or <c>MapWs101</c>) answers, <c>WebSocket upgrade</c>: its
    /// path, HTTP version and outcome, the HandshakeProblem codes of a refusal (the span's status is then Error), and the
    /// agreed subprotocol and extensions.
    /// </summary>
    public const string UpgradeSpanName = "WebSocket upgrade";
}
