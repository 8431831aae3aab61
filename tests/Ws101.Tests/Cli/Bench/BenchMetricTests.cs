using Ws101.Cli.Bench;

namespace Ws101.Tests.Cli.Bench;

/// <summary>How rounds become one figure (the median) and two servers a ratio (B's median over A's).</summary>
public class BenchMetricTests
{
    private static BenchResult Result(double messagesPerSecond, long errors = 0) =>
        new() { Url = "ws://x/", MessagesPerSecond = messagesPerSecond, Errors = errors };

    private static BenchMetric Rate => BenchMetric.For(BenchMode.Echo).Single(m => m.Key == "messagesPerSecond");

    [Fact]
    public void the_median_of_an_odd_number_of_rounds_is_the_middle_one()
    {
        Assert.Equal(200, Rate.Median([Result(300), Result(100), Result(200)]));
    }

    [Fact]
    public void the_median_of_an_even_number_of_rounds_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(250, Rate.Median([Result(400), Result(100), Result(200), Result(300)]));
    }

    [Fact]
    public void a_figure_no_round_measured_has_no_median()
    {
        var cpu = BenchMetric.For(BenchMode.Echo).Single(m => m.Key == "serverCpuUsPerMessage");
        Assert.Null(cpu.Median([Result(1), Result(2)]));
    }

    [Fact]
    public void ratios_are_b_over_a_for_the_figures_both_measured()
    {
        var a = new BenchTarget("A", new Uri("ws://a/"), null, null!);
        var b = new BenchTarget("B", new Uri("ws://b/"), null, null!);
        a.Rounds.AddRange([Result(100), Result(120), Result(110)]);
        b.Rounds.AddRange([Result(55), Result(60), Result(50)]);

        var ratios = BenchTarget.Ratios(BenchMode.Echo, a, b);

        Assert.Equal(0.5, ratios["messagesPerSecond"], 9);
        // Zero errors on A: no ratio rather than a division by zero.
        Assert.False(ratios.ContainsKey("errors"));
        Assert.False(ratios.ContainsKey("serverCpuUsPerMessage"));
    }

    [Theory]
    [InlineData(0.5, "0.5 µs")]
    [InlineData(999, "999 µs")]
    [InlineData(1500, "1.5 ms")]
    [InlineData(250_000, "250 ms")]
    public void times_print_in_microseconds_or_milliseconds(double us, string text)
    {
        Assert.Equal(text, BenchMetric.Time(us));
    }

    [Theory]
    [InlineData(0.97, "0.97x")]
    [InlineData(12.345, "12.3x")]
    public void ratios_print_with_an_x(double ratio, string text)
    {
        Assert.Equal(text, BenchReport.Ratio(ratio));
    }
}
