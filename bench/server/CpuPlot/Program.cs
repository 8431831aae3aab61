using System.Globalization;
using ScottPlot;

// CpuPlot RESULTS_DIR OUTPUT.png [TITLE]
//
// RESULTS_DIR is a folder bench/server/run.sh wrote: RESULTS_DIR/roundN/SERVER/raw.txt, one line per point, as the shared
// load generator prints it ("echo_20 RESULT ... msgs_per_s=... srv_usr=... srv_sys=..."). For each server and each echo
// size, the server's CPU per echoed message (user + system seconds per second of load, over messages per second) is the
// median over the rounds. Prints them as a Markdown table with each server's ratio to Kestrel with inline completions, and
// draws them as one line per server over the message size, both axes logarithmic, to OUTPUT.png.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CpuPlot RESULTS_DIR OUTPUT.png [TITLE]");
    return 2;
}
var sizes = new (string Label, string Point, double Bytes)[]
{
    ("20 B", "echo_20", 20), ("1 KiB", "echo_1024", 1024), ("16 KiB", "echo_16384", 16384), ("1 MiB", "echo_1048576", 1048576),
};

// server -> point -> CPU µs per message, one value per round.
var samples = new SortedDictionary<string, Dictionary<string, List<double>>>(StringComparer.Ordinal);
foreach (string file in Directory.EnumerateFiles(args[0], "raw.txt", SearchOption.AllDirectories))
{
    string server = Path.GetFileName(Path.GetDirectoryName(file))!;
    foreach (string line in File.ReadLines(file))
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[1] != "RESULT")
        {
            continue;
        }
        var fields = parts.Skip(2).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (fields.ContainsKey("failed") || !fields.TryGetValue("msgs_per_s", out string? rate)
            || !fields.TryGetValue("srv_usr", out string? usr) || !fields.TryGetValue("srv_sys", out string? sys))
        {
            continue;
        }
        double perSecond = Number(rate);
        if (perSecond <= 0)
        {
            continue;
        }
        var points = samples.TryGetValue(server, out var p) ? p : samples[server] = [];
        (points.TryGetValue(parts[0], out var list) ? list : points[parts[0]] = []).Add((Number(usr) + Number(sys)) / perSecond * 1e6);
    }
}
var servers = samples.Where(s => sizes.Any(z => s.Value.ContainsKey(z.Point))).Select(s => s.Key).ToList();
if (servers.Count == 0)
{
    Console.Error.WriteLine($"{args[0]}: no echo results (raw.txt with echo_SIZE RESULT lines) below this folder");
    return 1;
}

double? Median(string server, string point)
{
    if (!samples[server].TryGetValue(point, out var values) || values.Count == 0)
    {
        return null;
    }
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

// The table: µs per message, and each server's ratio to the anchor the issue's targets are stated against.
const string Anchor = "kestrel_inline";
Console.WriteLine("| server CPU µs per echoed message | " + string.Join(" | ", sizes.Select(z => z.Label)) + " |");
Console.WriteLine("| --- |" + string.Concat(sizes.Select(_ => " --- |")));
foreach (string server in servers)
{
    var cells = sizes.Select(z =>
    {
        if (Median(server, z.Point) is not { } us)
        {
            return "n/a";
        }
        string cell = us.ToString(us < 100 ? "0.0" : "N0", CultureInfo.InvariantCulture);
        return server != Anchor && samples.ContainsKey(Anchor) && Median(Anchor, z.Point) is { } anchor
            ? cell + (us / anchor).ToString(" (0.00x)", CultureInfo.InvariantCulture)
            : cell;
    });
    Console.WriteLine($"| {server} | {string.Join(" | ", cells)} |");
}
if (samples.ContainsKey(Anchor))
{
    Console.WriteLine($"\n(in brackets: the ratio to {Anchor} in the same run; lower is less CPU)");
}

// The plot: log-log, since the sizes span five orders of magnitude and the costs three.
var plot = new Plot();
foreach (string server in servers)
{
    var known = sizes.Select(z => (z.Bytes, Us: Median(server, z.Point))).Where(v => v.Us is > 0).ToList();
    var line = plot.Add.Scatter(known.Select(v => Math.Log10(v.Bytes)).ToArray(), known.Select(v => Math.Log10(v.Us!.Value)).ToArray());
    line.LegendText = server;
    line.LineWidth = 2;
    line.MarkerSize = 7;
}
plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
    sizes.Select(z => Math.Log10(z.Bytes)).ToArray(), sizes.Select(z => z.Label).ToArray());
// Ticks at 1, 1.5, 2, 3, 5 and 7 times each power of ten the costs span, labelled in µs: powers of ten alone leave a run
// whose costs all fall between 10 and 100 µs (no 1 MiB point) without a single label.
var costs = servers.SelectMany(server => sizes.Select(z => Median(server, z.Point))).Where(v => v is > 0).Select(v => v!.Value).ToList();
if (costs.Count > 0)
{
    double low = costs.Min() / 1.15, high = costs.Max() * 1.15;
    var ticks = new List<double>();
    for (int power = (int)Math.Floor(Math.Log10(low)); power <= (int)Math.Ceiling(Math.Log10(high)); power++)
    {
        foreach (double step in new[] { 1.0, 1.5, 2.0, 3.0, 5.0, 7.0 })
        {
            double value = step * Math.Pow(10, power);
            if (value >= low && value <= high)
            {
                ticks.Add(value);
            }
        }
    }
    plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
        ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString("#,0.###", CultureInfo.InvariantCulture)).ToArray());
    plot.Axes.SetLimitsY(Math.Log10(low), Math.Log10(high));
}
plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.15);
plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
plot.Title(args.Length > 2 ? args[2] : "Server CPU per echoed message, by message size");
plot.XLabel("message size (log scale)");
plot.YLabel("server CPU µs per message (log scale)");
plot.ShowLegend(Alignment.UpperLeft);
plot.SavePng(args[1], 900, 550);
Console.WriteLine($"\nplot: {args[1]}");
return 0;

static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
