using System.Diagnostics.Metrics;

namespace Ws101;

/// <summary>
/// The library's counters, on the <see cref="Meter"/> named <c>Ws101</c> (read them with dotnet-counters,
/// OpenTelemetry or a <see cref="MeterListener"/>). Adding to an instrument nobody listens to costs a branch.
/// </summary>
public static partial class Ws101Metrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Ws101";

    private static readonly Meter Meter = new(MeterName, "1.0");

    internal static readonly UpDownCounter<long> OpenConnections =
        Meter.CreateUpDownCounter<long>("ws101.connections.open", "{connection}", "WebSocket connections open now.");

    internal static readonly Counter<long> HandshakesAccepted =
        Meter.CreateCounter<long>("ws101.handshakes.accepted", "{handshake}",
            "Opening handshakes completed, tagged with http.version: 1.1 (an HTTP/1.1 upgrade) or 2 (an RFC 8441 extended CONNECT).");

    internal static readonly Counter<long> HandshakesRejected =
        Meter.CreateCounter<long>("ws101.handshakes.rejected", "{handshake}",
            "Opening handshakes refused, tagged with the problem code and http.version (1.1 or 2).");

    /// <summary>The tag that says which HTTP version carried a handshake.</summary>
    internal const string HttpVersionTag = "http.version";

    internal static readonly Counter<long> ConnectionsRefused =
        Meter.CreateCounter<long>("ws101.connections.refused", "{connection}",
            "Connections answered 503 and closed as soon as they were accepted, tagged with the reason: connection-limit (MaxConnections, lowered to fit the descriptor limit) or descriptor-limit (the socket's descriptor was within 64 of the process's limit).");

    internal static readonly Counter<long> AcceptFailures =
        Meter.CreateCounter<long>("ws101.accept.failures", "{failure}",
            "Accepts that failed, tagged with the error (TooManyOpenSockets: no file descriptor left); accept backs off after each.");

    internal static readonly Counter<long> MessagesReceived =
        Meter.CreateCounter<long>("ws101.messages.received", "{message}", "Data messages (or streamed parts) received.");

    internal static readonly Counter<long> MessagesSent =
        Meter.CreateCounter<long>("ws101.messages.sent", "{message}", "Data messages (or streamed parts) sent.");

    internal static readonly Counter<long> BytesReceived =
        Meter.CreateCounter<long>("ws101.bytes.received", "By", "Bytes read from connections after the handshake.");

    internal static readonly Counter<long> BytesSent =
        Meter.CreateCounter<long>("ws101.bytes.sent", "By", "Bytes written to connections after the handshake.");

    internal static void Rejected(string problemId, Version? httpVersion = null) =>
        HandshakesRejected.Add(1, new KeyValuePair<string, object?>("problem", problemId),
            new KeyValuePair<string, object?>(HttpVersionTag, VersionText(httpVersion)));

    internal static void Accepted(Version httpVersion) =>
        HandshakesAccepted.Add(1, new KeyValuePair<string, object?>(HttpVersionTag, VersionText(httpVersion)));

    /// <summary>
    /// The version as OpenTelemetry's <c>network.protocol.version</c> writes it: "1.1", "2", "3". Shared strings: a tag
    /// is added on every handshake.
    /// </summary>
    internal static string VersionText(Version? version) => version switch
    {
        null or { Major: 1, Minor: 1 } => "1.1",
        { Major: 2 } => "2",
        { Major: 3 } => "3",
        { Major: 1, Minor: 0 } => "1.0",
        _ => $"{version.Major}.{version.Minor}",
    };
}
