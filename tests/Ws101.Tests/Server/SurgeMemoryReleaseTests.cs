using Microsoft.Extensions.Logging.Abstractions;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>
/// When the server runs its one compacting collection around a surge of connections (docs/reliability.md,
/// "ReleaseMemoryAfterSurge"); the decision is driven tick by tick with the clock and the count of open connections.
/// </summary>
public class SurgeMemoryReleaseTests
{
    private static SurgeMemoryRelease NewRelease() => new(NullLogger.Instance);

    [Fact]
    public void a_surge_in_is_released_once_the_count_has_not_grown_for_the_settle_time()
    {
        var surge = NewRelease();
        Assert.Equal(SurgeRelease.None, surge.Decide(0, 0));
        Assert.Equal(SurgeRelease.None, surge.Decide(1_000, 4_000));
        Assert.Equal(SurgeRelease.None, surge.Decide(2_000, 10_000));
        Assert.Equal(SurgeRelease.None, surge.Decide(2_000 + SurgeMemoryRelease.SettleMs - 1, 10_000));
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(2_000 + SurgeMemoryRelease.SettleMs, 10_000));
        // Once per surge: the same count later releases nothing.
        Assert.Equal(SurgeRelease.None, surge.Decide(60_000, 10_000));
    }

    [Fact]
    public void a_count_still_growing_is_not_settled_however_long_the_surge_lasts()
    {
        var surge = NewRelease();
        for (int tick = 0; tick < 100; tick++)
        {
            Assert.Equal(SurgeRelease.None, surge.Decide(tick * 1_000L, 2_000 + tick * 10));
        }
    }

    [Fact]
    public void a_surge_in_smaller_than_the_minimum_is_left_to_the_collector()
    {
        var surge = NewRelease();
        surge.Decide(0, SurgeMemoryRelease.MinimumSurge - 1);
        Assert.Equal(SurgeRelease.None, surge.Decide(SurgeMemoryRelease.SettleMs * 10, SurgeMemoryRelease.MinimumSurge - 1));
    }

    [Fact]
    public void each_release_in_needs_a_quarter_more_connections_than_the_last_so_steady_growth_collects_rarely()
    {
        var surge = NewRelease();
        surge.Decide(0, 40_000);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(SurgeMemoryRelease.SettleMs, 40_000));
        // 9,999 more is under a quarter of 40,000: not a surge.
        surge.Decide(10_000, 49_999);
        Assert.Equal(SurgeRelease.None, surge.Decide(10_000 + SurgeMemoryRelease.SettleMs, 49_999));
        surge.Decide(20_000, 50_000);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(20_000 + SurgeMemoryRelease.SettleMs, 50_000));
    }

    [Fact]
    public void a_surge_out_is_released_once_the_count_stayed_at_a_quarter_of_its_peak_for_the_quiet_time()
    {
        var surge = NewRelease();
        surge.Decide(0, 19_000);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(SurgeMemoryRelease.SettleMs, 19_000));
        Assert.Equal(SurgeRelease.None, surge.Decide(10_000, 4_000));
        Assert.Equal(SurgeRelease.None, surge.Decide(10_000 + SurgeMemoryRelease.QuietMs - 1, 4_000));
        Assert.Equal(SurgeRelease.Gone, surge.Decide(10_000 + SurgeMemoryRelease.QuietMs, 4_000));
        Assert.Equal(SurgeRelease.None, surge.Decide(100_000, 4_000));
    }

    [Fact]
    public void a_count_back_above_a_quarter_of_its_peak_starts_the_quiet_time_again()
    {
        var surge = NewRelease();
        surge.Decide(-SurgeMemoryRelease.SettleMs, 8_000);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(0, 8_000));
        surge.Decide(1_000, 1_000);
        surge.Decide(5_000, 3_000);
        surge.Decide(6_000, 1_000);
        Assert.Equal(SurgeRelease.None, surge.Decide(6_000 + SurgeMemoryRelease.QuietMs - 1, 1_000));
        Assert.Equal(SurgeRelease.Gone, surge.Decide(7_000 + SurgeMemoryRelease.QuietMs, 1_000));
    }

    [Fact]
    public void connections_that_left_lower_the_bar_for_the_next_surge_in()
    {
        var surge = NewRelease();
        surge.Decide(0, 10_000);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(SurgeMemoryRelease.SettleMs, 10_000));
        surge.Decide(10_000, 500);
        surge.Decide(11_000, 1_500);
        Assert.Equal(SurgeRelease.Arrived, surge.Decide(11_000 + SurgeMemoryRelease.SettleMs, 1_500));
    }
}
