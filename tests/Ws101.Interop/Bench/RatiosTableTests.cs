using System.Globalization;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Bench;

/// <summary>
/// bench/server/ratios.py, the ratios of a run's medians: a rate measured while the load generator used its whole core is
/// the generator's speed as much as the server's, so such a throughput row is flagged and points to the server's CPU per
/// operation for the same point, which the generator's limit does not touch.
/// </summary>
public sealed class RatiosTableTests : IDisposable
{
    private readonly TempFolder _folder = new("ws101-ratios-");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _folder.Dispose();
    }

    [Fact]
    public async Task a_rate_measured_with_the_load_generator_at_a_whole_core_is_flagged_with_the_server_cpu_row_to_read()
    {
        // Handshakes: ws101 at 1,400/s with the generator at 1.00 of its core, Kestrel-inline at 1,700/s with it at 0.90.
        // The server spent 0.55 of a core on ws101's (393 µs each) and 0.99 on Kestrel's (582 µs each).
        await WriteAsync("round1/ws101/raw.txt", "hs", "mode=hs hs_per_s=1400 srv_usr=0.45 srv_sys=0.10 cli_cpu=1.00");
        await WriteAsync("round1/kestrel_inline/raw.txt", "hs", "mode=hs hs_per_s=1700 srv_usr=0.66 srv_sys=0.33 cli_cpu=0.90");

        string[] table = await RunAsync("--tls", "ws101", "kestrel_inline");

        int rate = Array.FindIndex(table, line => line.StartsWith("handshakes/s", StringComparison.Ordinal));
        Assert.True(rate >= 0, string.Join("\n", table));
        Assert.Contains("0.82x", table[rate]);
        Assert.Contains("load-bound", table[rate + 1]);
        Assert.Contains("ws101 1.00", table[rate + 1]);
        Assert.DoesNotContain("kestrel_inline", table[rate + 1]);
        Assert.Contains("'server CPU per handshake'", table[rate + 1]);
        Assert.Contains(table, line => line.StartsWith("server CPU per handshake", StringComparison.Ordinal) && line.Contains("1.48x", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_rate_measured_with_the_load_generator_below_a_whole_core_is_not_flagged()
    {
        await WriteAsync("round1/ws101/raw.txt", "echo_20", Echo(messagesPerSecond: 120_000, client: 0.80));
        await WriteAsync("round2/ws101/raw.txt", "echo_20", Echo(messagesPerSecond: 110_000, client: 0.99));
        await WriteAsync("round3/ws101/raw.txt", "echo_20", Echo(messagesPerSecond: 100_000, client: 0.90));
        await WriteAsync("round1/kestrel_inline/raw.txt", "echo_20", Echo(messagesPerSecond: 70_000, client: 0.70));

        string[] table = await RunAsync("ws101", "kestrel_inline");

        // The median round's generator used 0.90 of its core: under the mark, though one round reached 0.99.
        Assert.Contains(table, line => line.StartsWith("echo 20 B msgs/s", StringComparison.Ordinal) && line.Contains("1.57x", StringComparison.Ordinal));
        Assert.DoesNotContain(table, line => line.Contains("load-bound", StringComparison.Ordinal));
    }

    private static string Echo(double messagesPerSecond, double client) =>
        string.Create(CultureInfo.InvariantCulture,
            $"mode=echo conns=100 size=20 msgs_per_s={messagesPerSecond} srv_usr=0.30 srv_sys=0.65 cli_cpu={client} errors=0");

    private async Task WriteAsync(string relative, string label, string fields)
    {
        string path = _folder.PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, $"{label} RESULT {fields}\n", Cancel);
    }

    private async Task<string[]> RunAsync(params string[] arguments)
    {
        string[] argv = arguments[0] == "--tls" ? ["--tls", _folder.FullName, .. arguments[1..]] : [_folder.FullName, .. arguments];
        return await BenchPythonScript.RunAsync("bench/server/ratios.py", argv, Cancel);
    }
}
