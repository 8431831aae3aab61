using ScottPlot;

namespace Ws101.Cli.Bench;

/// <summary>
/// <c>--plot FILE.png</c>: two panels drawn with ScottPlot, throughput per second over each run (the warm-up shaded) and
/// the latency distribution by percentile (the x axis stretched towards the tail: 90 %, 99 %, 99.9 %, ...).
/// </summary>
internal static class BenchPlot
{
    /// <summary>The image's size in pixels.</summary>
    public const int Width = 1200, Height = 900;

    private static readonly double[] TailMarks = [0, 90, 99, 99.9, 99.99, 99.999];

    public static void Save(string path, BenchSettings settings, IReadOnlyList<BenchTarget> targets)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot throughput = multiplot.GetPlot(0);
        Plot latency = multiplot.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category10();
        string unit = settings.Mode switch
        {
            BenchMode.Handshakes => "handshakes/s",
            BenchMode.Fanout => "deliveries/s",
            _ => "messages/s",
        };
        if (settings.Warmup > TimeSpan.Zero)
        {
            var warm = throughput.Add.HorizontalSpan(0, settings.Warmup.TotalSeconds);
            warm.FillStyle.Color = Colors.Gray.WithAlpha(0.15);
            warm.LineStyle.Width = 0;
            warm.LegendText = "warm-up";
        }
        double worst = 0, peak = 0, slowest = 0;
        for (int t = 0; t < targets.Count; t++)
        {
            Color color = palette.GetColor(t);
            for (int r = 0; r < targets[t].Rounds.Count; r++)
            {
                BenchResult result = targets[t].Rounds[r];
                string legend = r == 0 ? $"{targets[t].Label}: {targets[t].Url}" : "";
                // The last second is usually cut short by the window's end: drawn, it would look like a fall.
                var seconds = result.Timeline.Take(Math.Clamp((int)Math.Floor(result.WarmupSeconds + result.Seconds + 0.05), 1, Math.Max(1, result.Timeline.Count))).ToList();
                if (result.Timeline.Count > 0)
                {
                    double[] xs = [.. seconds.Select((_, i) => i + 0.5)];
                    double[] ys = [.. seconds.Select(v => (double)v)];
                    peak = Math.Max(peak, ys.Max());
                    var line = throughput.Add.ScatterLine(xs, ys, color);
                    line.LineWidth = 2;
                    line.LegendText = legend;
                }
                var points = result.Distribution.Where(p => p.Percentile < 100).ToList();
                if (points.Count > 0)
                {
                    double[] xs = [.. points.Select(p => Tail(p.Percentile))];
                    double[] ys = [.. points.Select(p => p.Microseconds / 1000)];
                    worst = Math.Max(worst, xs.Max());
                    slowest = Math.Max(slowest, ys.Max());
                    var line = latency.Add.ScatterLine(xs, ys, color);
                    line.LineWidth = 2;
                    line.LegendText = legend;
                }
            }
        }
        throughput.Title($"ws101 bench {settings.Mode.ToString().ToLowerInvariant()}: {settings.Describe()}");
        throughput.XLabel("seconds since the warm-up started");
        throughput.YLabel(unit);
        throughput.Axes.SetLimitsY(0, Math.Max(1, peak * 1.1));
        throughput.ShowLegend(Alignment.LowerRight);

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double mark in TailMarks.Where(m => Tail(m) <= Math.Max(worst, Tail(99)) + 0.01))
        {
            ticks.AddMajor(Tail(mark), $"{mark}%");
        }
        latency.Axes.Bottom.TickGenerator = ticks;
        latency.Title(settings.Mode == BenchMode.Handshakes ? "Upgrade time by percentile" : "Latency by percentile");
        latency.XLabel("percentile");
        latency.YLabel("milliseconds");
        latency.Axes.SetLimitsY(0, Math.Max(0.001, slowest * 1.1));
        latency.ShowLegend(Alignment.UpperLeft);
        multiplot.SavePng(path, Width, Height);
    }

    /// <summary>The x position of a percentile: log10 of 1 / (1 − p), so 90 % is 1, 99 % is 2, 99.9 % is 3.</summary>
    private static double Tail(double percentile) => Math.Log10(100 / (100 - Math.Min(percentile, 99.9999)));
}
