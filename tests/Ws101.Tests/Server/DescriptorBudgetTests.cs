using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>How many connections fit in the process's file descriptors (docs/reliability.md, "Limits").</summary>
public class DescriptorBudgetTests
{
    [Theory]
    // 20,000 - (100 open + 64 + 20,000 / 32 = 625) = 19,211: the machine's default limit.
    [InlineData(100_000, 20_000, 100, 19_211)]
    // 1,000 - (90 + 64 + 31) = 815: `ulimit -n 1000`, as in the report of the crash.
    [InlineData(100_000, 1_000, 90, 815)]
    // 256 - (97 + 64 + 8) = 87.
    [InlineData(100_000, 256, 97, 87)]
    // An option already below what fits is kept as it is.
    [InlineData(500, 20_000, 100, 500)]
    // Nothing fits: one connection still, rather than a server that refuses everything.
    [InlineData(100_000, 100, 97, 1)]
    public void max_connections_is_the_option_lowered_to_the_limit_minus_what_is_open_minus_64_minus_a_32nd_of_the_limit(
        int configured, long limit, int open, int expected)
    {
        Assert.Equal(expected, DescriptorBudget.MaxConnections(configured, limit, open));
    }

    [Fact]
    public void without_a_known_limit_max_connections_is_the_option()
    {
        Assert.Equal(100_000, DescriptorBudget.MaxConnections(100_000, null, 80));
    }

    [Fact]
    public void the_limit_read_is_the_soft_limit_the_kernel_reports_for_this_process()
    {
        long? limit = DescriptorBudget.ReadLimit();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(limit);
            return;
        }
        // /proc/self/limits: "Max open files            20000                20000                files"
        string line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        string soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Equal(soft == "unlimited" ? null : long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture), limit);
    }
}
