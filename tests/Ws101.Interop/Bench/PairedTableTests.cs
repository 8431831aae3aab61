using System.Globalization;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Bench;

/// <summary>
/// bench/server/paired.py, the table of the paired echo points: a ratio is taken within each round, between two
/// measurements seconds apart, and the rounds' ratios are summarised (median and range), so that a round run in a slow
/// minute of the machine weighs on both sides of its ratio alike. A run that failed is left out, not counted as zero.
/// </summary>
public sealed class PairedTableTests : IDisposable
{
    private readonly TempFolder _folder = new("ws101-paired-");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _folder.Dispose();
    }

    [Fact]
    public async Task ratios_are_taken_within_each_round_and_summarised_by_their_median_and_range()
    {
        // Round 1 in a fast minute, round 2 in a slow one. Within the rounds ws101 costs 0.70x and 0.60x what Kestrel-inline
        // does (median 0.65x); the medians of each server's own costs (9.5 µs and 15 µs) would have said 0.63x.
        string table = await RunAsync(
            Result(1, "kestrel_inline", "echo_20", 10),
            Result(1, "ws101", "echo_20", 7),
            Result(1, "floor", "echo_20", 6),
            Result(2, "kestrel_inline", "echo_20", 20),
            Result(2, "ws101", "echo_20", 12),
            Result(2, "floor", "echo_20", 10),
            "3 ws101 echo_20 failed=1",
            "3 kestrel_inline echo_20 " + Fields(30));

        Assert.Contains("ws101            9.5 (7.0-12.0, n=2)", table);
        Assert.Contains("kestrel_inline   20.0 (10.0-30.0, n=3)", table);
        Assert.Contains("ws101            0.65x (0.60x-0.70x, n=2)", table);
        Assert.Contains("floor            0.55x (0.50x-0.60x, n=2)", table);
        // ws101 to the floor: 7/6 and 12/10.
        Assert.Contains("echo_20      1.18x (1.17x-1.20x, n=2)", table);
    }

    [Fact]
    public async Task messages_per_second_are_compared_within_each_round_too_for_the_wss_points_in_the_order_measured()
    {
        // The wss:// target is throughput: ws101 echoed 1.5x and 1.3x what Kestrel-inline did in the same rounds, though
        // round 2 ran at half the machine's speed. The points come in the order they were measured (tls.sh --paired has no 1 KiB).
        string table = await RunAsync(
            Result(1, "kestrel_inline", "echo_20", 10, messagesPerSecond: 40_000),
            Result(1, "ws101", "echo_20", 7, messagesPerSecond: 60_000),
            Result(2, "kestrel_inline", "echo_20", 20, messagesPerSecond: 20_000),
            Result(2, "ws101", "echo_20", 14, messagesPerSecond: 26_000),
            Result(1, "kestrel_inline", "echo_16384", 30, messagesPerSecond: 10_000),
            Result(1, "ws101", "echo_16384", 15, messagesPerSecond: 20_000));

        Assert.Contains("ws101            43,000 (26,000-60,000, n=2)", table);
        Assert.Contains("ws101            1.40x (1.30x-1.50x, n=2)", table);
        Assert.Contains("ws101            2.00x (2.00x-2.00x, n=1)", table);
        Assert.DoesNotContain("echo_1024", table);
        Assert.True(table.IndexOf("echo_20", StringComparison.Ordinal) < table.IndexOf("echo_16384", StringComparison.Ordinal));
    }

    /// <summary>A wsbench RESULT's fields for a run whose server spent <paramref name="microseconds"/> of CPU per message.</summary>
    private static string Fields(double microseconds, double messagesPerSecond = 100_000) =>
        string.Create(CultureInfo.InvariantCulture,
            $"mode=echo conns=100 msgs_per_s={messagesPerSecond} srv_usr={microseconds * messagesPerSecond / 1e6 * 0.4} srv_sys={microseconds * messagesPerSecond / 1e6 * 0.6} errors=0");

    private static string Result(int round, string server, string point, double microseconds, double messagesPerSecond = 100_000) =>
        $"{round} {server} {point} {Fields(microseconds, messagesPerSecond)}";

    private async Task<string> RunAsync(params string[] lines)
    {
        string raw = _folder.PathOf("paired.txt");
        await File.WriteAllLinesAsync(raw, lines, Cancel);
        return string.Join("\n", await BenchPythonScript.RunAsync("bench/server/paired.py", [raw], Cancel));
    }
}
