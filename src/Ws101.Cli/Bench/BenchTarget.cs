namespace Ws101.Cli.Bench;

/// <summary>A server under load in one command (A, or B with --compare) and its results, one per round.</summary>
internal sealed class BenchTarget(string label, Uri url, int? serverPid, LoadPlan plan)
{
    /// <summary>"A" or "B".</summary>
    public string Label { get; } = label;

    public Uri Url { get; } = url;

    /// <summary>The server's pid, for its memory and CPU.</summary>
    public int? ServerPid { get; } = serverPid;

    public LoadPlan Plan { get; } = plan;

    /// <summary>The results so far, in round order.</summary>
    public List<BenchResult> Rounds { get; } = [];

    /// <summary>The median of each figure over the rounds.</summary>
    public Dictionary<string, double> Medians(BenchMode mode)
    {
        var medians = new Dictionary<string, double>();
        foreach (var metric in BenchMetric.For(mode))
        {
            if (metric.Median(Rounds) is { } m)
            {
                medians[metric.Key] = m;
            }
        }
        return medians;
    }

    /// <summary>B's median over A's for each figure both measured (A's not zero).</summary>
    public static Dictionary<string, double> Ratios(BenchMode mode, BenchTarget a, BenchTarget b)
    {
        var ma = a.Medians(mode);
        var mb = b.Medians(mode);
        var ratios = new Dictionary<string, double>();
        foreach (var (key, va) in ma)
        {
            if (va != 0 && mb.TryGetValue(key, out double vb))
            {
                ratios[key] = vb / va;
            }
        }
        return ratios;
    }
}
