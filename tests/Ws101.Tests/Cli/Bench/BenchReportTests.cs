using Ws101.Cli.Bench;

namespace Ws101.Tests.Cli.Bench;

/// <summary>
/// The report's load-bound note: a load that used nearly all of its cores in the median round could not send faster, so
/// its rate is partly the tool's own limit; the note says so and points to what compares servers regardless.
/// </summary>
public class BenchReportTests
{
    private static BenchResult Round(double clientCores) =>
        new() { Url = "ws://127.0.0.1:8080/echo", MessagesPerSecond = 1000, ClientCpuCores = clientCores };

    [Fact]
    public void a_load_at_its_whole_core_in_the_median_round_is_named_load_bound_with_the_figure_to_read_instead()
    {
        string? note = BenchReport.LoadBound(BenchMode.Handshakes, threads: 1, "A", [Round(0.99), Round(0.80), Round(1.00)]);

        Assert.Equal(
            "A: load-bound: the load used 0.99 of its 1 core, so the rate is partly this tool's limit, not the server's alone; "
            + "add load threads (--threads) where a core is free, or compare the server's CPU per handshake (--server-pid).",
            note);
    }

    [Fact]
    public void a_load_with_room_in_the_median_round_gets_no_note_though_one_round_was_at_its_core()
    {
        Assert.Null(BenchReport.LoadBound(BenchMode.Echo, threads: 1, "A", [Round(0.99), Round(0.82), Round(0.90)]));
    }

    [Fact]
    public void the_mark_is_per_load_thread()
    {
        Assert.Null(BenchReport.LoadBound(BenchMode.Echo, threads: 2, "B", [Round(1.50)]));
        Assert.Contains("1.92 of its 2 cores", BenchReport.LoadBound(BenchMode.Echo, threads: 2, "B", [Round(1.92)]), StringComparison.Ordinal);
    }

    [Fact]
    public void an_idle_run_that_measured_the_server_says_how_to_read_its_memory_per_connection()
    {
        Assert.Contains("Memory that earlier connections freed is reused", BenchReport.MemoryNote(BenchMode.Idle, serverMeasured: true), StringComparison.Ordinal);
        Assert.Null(BenchReport.MemoryNote(BenchMode.Idle, serverMeasured: false));
        Assert.Null(BenchReport.MemoryNote(BenchMode.Echo, serverMeasured: true));
    }

    [Fact]
    public void idle_connections_measure_no_rate_and_get_no_note()
    {
        Assert.Null(BenchReport.LoadBound(BenchMode.Idle, threads: 1, "A", [Round(1.00)]));
    }
}
