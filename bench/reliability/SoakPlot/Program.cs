using System.Globalization;
using ScottPlot;

// SoakPlot SAMPLES.csv OUTPUT_DIR [WARMUP_SECONDS]
//
// SAMPLES.csv, as bench/reliability/soak.sh writes it: seconds,cycles,rss_kib,gc_heap_kib,threads,handles (one line per
// 10 s sample, a header first). For each series: the least-squares slope over the samples after the warm-up (default
// 60 s), per hour and per 100,000 cycles, printed as a Markdown table; and OUTPUT_DIR/soak-SERIES.png with the samples and
// the fitted line.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: SoakPlot SAMPLES.csv OUTPUT_DIR [WARMUP_SECONDS]");
    return 2;
}
double warmup = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 60;
var lines = File.ReadAllLines(args[0]).Where(l => l.Length > 0).ToList();
string[] header = lines[0].Split(',');
var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
if (rows.Count < 3)
{
    Console.Error.WriteLine($"{args[0]}: {rows.Count} samples; at least 3 are needed");
    return 1;
}
Directory.CreateDirectory(args[1]);
var series = new (string Column, string Title, string Unit, double Scale)[]
{
    ("rss_kib", "Resident memory (RSS)", "MiB", 1.0 / 1024),
    ("gc_heap_kib", "GC heap after the last collection", "MiB", 1.0 / 1024),
    ("threads", "Threads", "threads", 1),
    ("handles", "Open handles (file descriptors)", "handles", 1),
};
int seconds = Array.IndexOf(header, "seconds"), cycles = Array.IndexOf(header, "cycles");
var steady = rows.Where(r => r[seconds] >= warmup).ToList();
// A run that ends inside the warm-up has no steady part: its slopes are the start-up's growth (the runtime compiling,
// the heap sizing itself), which read as an alarming leak per hour. They are still drawn, but said to be that.
bool warmupOnly = steady.Count < 3;
if (warmupOnly)
{
    steady = rows;
}
string fitted = warmupOnly ? "all samples, warm-up included" : string.Create(CultureInfo.InvariantCulture, $"after {warmup:0} s");
Console.WriteLine(warmupOnly
    ? string.Create(CultureInfo.InvariantCulture, $"{rows.Count} samples over {rows[^1][seconds]:0} s and {rows[^1][cycles]:N0} cycles. The run ended inside the {warmup:0} s warm-up (fewer than 3 samples after it), so the slopes below are over all {rows.Count} samples and show the start-up, not a leak: a soak needs to run for several minutes past the warm-up to say anything about one.")
    : string.Create(CultureInfo.InvariantCulture, $"{rows.Count} samples over {rows[^1][seconds]:0} s and {rows[^1][cycles]:N0} cycles; slopes over the {steady.Count} after {warmup:0} s:"));
Console.WriteLine();
Console.WriteLine("| series | first | last | min | max | slope per hour | slope per 100,000 cycles | plot |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var (column, title, unit, scale) in series)
{
    int c = Array.IndexOf(header, column);
    if (c < 0)
    {
        Console.Error.WriteLine($"{args[0]}: no column {column}");
        return 1;
    }
    double[] t = [.. steady.Select(r => r[seconds])];
    double[] n = [.. steady.Select(r => r[cycles])];
    double[] v = [.. steady.Select(r => r[c] * scale)];
    double perSecond = Slope(t, v), perCycle = Slope(n, v);
    string file = $"soak-{column.Replace("_kib", "", StringComparison.Ordinal).Replace('_', '-')}.png";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {title} | {v[0]:0.##} {unit} | {v[^1]:0.##} {unit} | {v.Min():0.##} | {v.Max():0.##} | {perSecond * 3600:+0.###;-0.###;0} {unit} | {perCycle * 100_000:+0.###;-0.###;0} {unit} | {file} |"));

    var plot = new Plot();
    double[] allT = [.. rows.Select(r => r[seconds] / 60)];
    double[] allV = [.. rows.Select(r => r[c] * scale)];
    var samples = plot.Add.Scatter(allT, allV);
    samples.LegendText = "sampled every 10 s";
    samples.MarkerSize = 3;
    double intercept = v.Average() - (perSecond * t.Average());
    var fit = plot.Add.Line(t[0] / 60, intercept + (perSecond * t[0]), t[^1] / 60, intercept + (perSecond * t[^1]));
    fit.LegendText = string.Create(CultureInfo.InvariantCulture, $"least squares, {fitted}: {perSecond * 3600:+0.###;-0.###;0} {unit}/h");
    fit.LineWidth = 2;
    fit.LinePattern = LinePattern.Dashed;
    plot.Title(string.Create(CultureInfo.InvariantCulture, $"{title}, {rows[^1][cycles]:N0} connect/echo/close cycles"));
    plot.XLabel("minutes");
    plot.YLabel(unit);
    plot.Axes.SetLimitsY(0, Math.Max(1, allV.Max() * 1.2));
    plot.ShowLegend(Alignment.LowerRight);
    plot.SavePng(Path.Combine(args[1], file), 900, 450);
}
return 0;

// The least-squares slope of y over x.
static double Slope(double[] x, double[] y)
{
    double mx = x.Average(), my = y.Average();
    double num = 0, den = 0;
    for (int i = 0; i < x.Length; i++)
    {
        num += (x[i] - mx) * (y[i] - my);
        den += (x[i] - mx) * (x[i] - mx);
    }
    return den == 0 ? 0 : num / den;
}
