using System.Globalization;

namespace Ws101.Cli.Bench;

/// <summary>One figure the report, the medians and the ratios show: how to read it from a result and how to print it.</summary>
/// <param name="Key">Its JSON name.</param>
/// <param name="Label">Its row in the table.</param>
/// <param name="Read">Its value in a result, or null when the run did not measure it.</param>
/// <param name="Format">How a value prints.</param>
internal sealed record BenchMetric(string Key, string Label, Func<BenchResult, double?> Read, Func<double, string> Format)
{
    private static string Count(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Rate(double v) => v >= 100 ? Count(v) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Decimal(double v) => v.ToString(v >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);

    /// <summary>Microseconds as µs or ms, whichever reads better.</summary>
    public static string Time(double us) => us >= 1000
        ? (us / 1000).ToString(us >= 100_000 ? "N0" : "0.##", CultureInfo.InvariantCulture) + " ms"
        : us.ToString("0.#", CultureInfo.InvariantCulture) + " µs";

    /// <summary>Bytes as B, KiB or MiB.</summary>
    public static string Bytes(double b) => Math.Abs(b) >= 1024 * 1024
        ? (b / (1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB"
        : Math.Abs(b) >= 10 * 1024 ? (b / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " KiB" : Count(b) + " B";

    /// <summary>The figures a mode reports, in the order the table shows them.</summary>
    public static IReadOnlyList<BenchMetric> For(BenchMode mode)
    {
        var latency = new List<BenchMetric>
        {
            new("latencyP50Us", mode == BenchMode.Handshakes ? "upgrade time p50" : "latency p50", r => r.Latency?.P50Us, Time),
            new("latencyP90Us", mode == BenchMode.Handshakes ? "upgrade time p90" : "latency p90", r => r.Latency?.P90Us, Time),
            new("latencyP99Us", mode == BenchMode.Handshakes ? "upgrade time p99" : "latency p99", r => r.Latency?.P99Us, Time),
            new("latencyMaxUs", mode == BenchMode.Handshakes ? "upgrade time max" : "latency max", r => r.Latency?.MaxUs, Time),
        };
        var errors = new BenchMetric("errors", "errors", r => r.Errors, Count);
        var serverCpu = new BenchMetric("serverCpuCores", "server CPU (cores)", r => r.Server?.CpuCores, Decimal);
        var clientCpu = new BenchMetric("clientCpuCores", "client CPU (cores)", r => r.ClientCpuCores, Decimal);
        return mode switch
        {
            BenchMode.Echo =>
            [
                new("messagesPerSecond", "messages/s", r => r.MessagesPerSecond, Rate),
                new("mibPerSecond", "MiB/s", r => r.MibPerSecond, Decimal),
                .. latency,
                new("openAtEnd", "connections open", r => r.OpenAtEnd, Count),
                errors,
                new("serverCpuUsPerMessage", "server CPU per message", r => r.Server?.CpuUsPerOperation, Time),
                serverCpu,
                clientCpu,
            ],
            BenchMode.Handshakes =>
            [
                new("handshakesPerSecond", "handshakes/s", r => r.HandshakesPerSecond, Rate),
                .. latency,
                errors,
                new("serverCpuUsPerHandshake", "server CPU per handshake", r => r.Server?.CpuUsPerOperation, Time),
                serverCpu,
                clientCpu,
            ],
            BenchMode.Idle =>
            [
                new("openAtEnd", "connections open", r => r.OpenAtEnd, Count),
                new("serverRssBeforeBytes", "server RSS before", r => r.Server?.RssBeforeBytes, Bytes),
                new("serverRssAfterBytes", "server RSS with connections", r => r.Server?.RssAfterBytes, Bytes),
                new("serverBytesPerConnection", "server memory per connection", r => r.Server?.BytesPerConnection, Bytes),
                errors,
            ],
            _ =>
            [
                new("messagesPerSecond", "deliveries/s", r => r.MessagesPerSecond, Rate),
                new("publishedPerSecond", "published/s", r => r.Fanout?.PublishedPerSecond, Rate),
                new("subscribers", "subscribers open", r => r.Fanout?.Subscribers, Count),
                new("missing", "deliveries missing", r => r.Fanout?.Missing, Count),
                .. latency,
                errors,
                new("serverCpuUsPerMessage", "server CPU per delivery", r => r.Server?.CpuUsPerOperation, Time),
                serverCpu,
                clientCpu,
            ],
        };
    }

    /// <summary>The median of the rounds' values (null when no round measured it).</summary>
    public double? Median(IEnumerable<BenchResult> rounds)
    {
        var values = rounds.Select(Read).OfType<double>().Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
