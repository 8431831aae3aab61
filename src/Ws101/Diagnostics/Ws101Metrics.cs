using System.Diagnostics.Metrics;

namespace Ws101;

/// <summary>
/// The library's instruments, on the <see cref="Meter"/> named <see cref="Ws101Telemetry.MeterName"/>.
/// Names and attributes follow OpenTelemetry's semantic conventions where one applies (Kestrel's and SignalR's
/// connection metrics for the shapes, <c>error.type</c>, <c>http.response.status_code</c>, <c>network.io.direction</c>
/// for the attributes); docs/observability.md lists each instrument and says where there is no convention to follow.
/// </summary>
internal static partial class Ws101Metrics
{
    private static readonly Meter Meter = new(Ws101Telemetry.MeterName, "1.0");

    /// <summary>The <c>network.io.direction</c> value of what a connection reads.</summary>
    internal static readonly KeyValuePair<string, object?> Receive = new("network.io.direction", "receive");

    /// <summary>The <c>network.io.direction</c> value of what a connection writes.</summary>
    internal static readonly KeyValuePair<string, object?> Transmit = new("network.io.direction", "transmit");

    internal static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("ws101.server.active_connections", "{connection}", "WebSocket connections open on the server now (after the 101).");

    internal static readonly Histogram<double> ConnectionDuration =
        Meter.CreateHistogram<double>("ws101.server.connection.duration", "s", "How long server connections lasted, from the 101 to the end.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1, 5, 30, 60, 300, 1800, 3600, 14400, 86400] });

    internal static readonly Counter<long> Handshakes =
        Meter.CreateCounter<long>("ws101.server.handshakes", "{handshake}",
            "Opening handshakes the server finished: error.type is absent on a 101, else the code of the (first) HandshakeProblem; network.protocol.version is 1.1 (an HTTP/1.1 upgrade) or 2 (an RFC 8441 extended CONNECT).");

    internal static readonly Counter<long> RejectedConnections =
        Meter.CreateCounter<long>("ws101.server.rejected_connections", "{connection}",
            "Connections answered 503 and closed as soon as they were accepted; error.type: connection-limit (MaxConnections, lowered to fit the descriptor limit) or descriptor-limit (the socket's descriptor was within 64 of the process's limit).");

    internal static readonly Counter<long> AcceptErrors =
        Meter.CreateCounter<long>("ws101.server.accept_errors", "{error}",
            "Accepts that failed; error.type is the SocketError (TooManyOpenSockets: no file descriptor left). Accept backs off after each.");

    internal static readonly Counter<long> Messages =
        Meter.CreateCounter<long>("ws101.messages", "{message}", "Data messages (or streamed parts) received or sent, by network.io.direction, on server and client connections.");

    internal static readonly Counter<long> Io =
        Meter.CreateCounter<long>("ws101.io", "By", "Bytes read or written by connections after the handshake, by network.io.direction.");

    /// <summary>
    /// The attribute that says which HTTP version carried a handshake: OpenTelemetry's <c>network.protocol.version</c>,
    /// "1.1" for an HTTP/1.1 upgrade, "2" for an RFC 8441 extended CONNECT.
    /// </summary>
    internal const string ProtocolVersionTag = "network.protocol.version";

    /// <summary>Counts a handshake answered 101 (over HTTP/2, 200), with the HTTP version that carried it.</summary>
    internal static void Upgraded(Version httpVersion) =>
        Handshakes.Add(1, new KeyValuePair<string, object?>("http.response.status_code", AcceptedStatus(httpVersion)),
            new KeyValuePair<string, object?>(ProtocolVersionTag, VersionText(httpVersion)));

    /// <summary>The status an accepted upgrade is answered with: 101 (RFC 6455 §4.2.2), or 200 over HTTP/2 (RFC 8441 §5).</summary>
    internal static int AcceptedStatus(Version httpVersion) => httpVersion.Major >= 2 ? 200 : 101;

    /// <summary>
    /// Counts a handshake that failed with the problem <paramref name="problemId"/>, the status sent (none: 0) and the
    /// HTTP version of the request (null: HTTP/1.1, the only one <see cref="WebSocketServer"/> reads).
    /// </summary>
    internal static void Rejected(string problemId, int statusCode = 0, Version? httpVersion = null)
    {
        var error = new KeyValuePair<string, object?>("error.type", problemId);
        var version = new KeyValuePair<string, object?>(ProtocolVersionTag, VersionText(httpVersion));
        if (statusCode == 0)
        {
            Handshakes.Add(1, error, version);
        }
        else
        {
            Handshakes.Add(1, error, new KeyValuePair<string, object?>("http.response.status_code", statusCode), version);
        }
    }

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
