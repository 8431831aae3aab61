using System.Diagnostics.Metrics;

namespace Ws101.Diagnostics;

/// <summary>
/// The library's instruments, on the <see cref="Meter"/> named <c>Ws101</c> (read them with dotnet-counters,
/// OpenTelemetry or a <see cref="MeterListener"/>). Adding to an instrument nobody listens to costs a branch.
/// Names and attributes follow OpenTelemetry's semantic conventions where one applies (Kestrel's and SignalR's
/// connection metrics for the shapes, <c>error.type</c>, <c>http.response.status_code</c>, <c>network.io.direction</c>
/// for the attributes); docs/observability.md lists each instrument and says where there is no convention to follow.
/// </summary>
public static partial class Ws101Metrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Ws101";

    private static readonly Meter Meter = new(MeterName, "1.0");

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
            "Opening handshakes the server finished: error.type is absent on a 101, else the code of the (first) HandshakeProblem.");

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

    /// <summary>Counts a handshake answered 101.</summary>
    internal static void Upgraded() =>
        Handshakes.Add(1, new KeyValuePair<string, object?>("http.response.status_code", 101));

    /// <summary>Counts a handshake that failed with the problem <paramref name="problemId"/>, and the status sent (none: 0).</summary>
    internal static void Rejected(string problemId, int statusCode = 0)
    {
        if (statusCode == 0)
        {
            Handshakes.Add(1, new KeyValuePair<string, object?>("error.type", problemId));
        }
        else
        {
            Handshakes.Add(1, new KeyValuePair<string, object?>("error.type", problemId), new KeyValuePair<string, object?>("http.response.status_code", statusCode));
        }
    }
}
