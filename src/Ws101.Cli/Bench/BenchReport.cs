using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ws101.Cli.Bench;

/// <summary>
/// The summary at the end of a command: one table of figures with a column per target (the median and the range over the
/// rounds), B/A with --compare, then every error by kind, detail and count. Errors are always shown, never summarized away.
/// </summary>
internal static class BenchReport
{
    public static void Write(IAnsiConsole console, BenchSettings settings, IReadOnlyList<BenchTarget> targets)
    {
        var figures = new Table { Border = TableBorder.Rounded };
        figures.AddColumn(new TableColumn(new Text(settings.Mode.ToString().ToLowerInvariant())));
        foreach (var t in targets)
        {
            figures.AddColumn(new TableColumn(new Text($"{t.Label}: {t.Url}")).RightAligned());
        }
        bool compare = targets.Count == 2;
        if (compare)
        {
            figures.AddColumn(new TableColumn(new Text("B/A")).RightAligned());
        }
        var ratios = compare ? BenchTarget.Ratios(settings.Mode, targets[0], targets[1]) : [];
        foreach (var metric in BenchMetric.For(settings.Mode))
        {
            if (targets.All(t => metric.Median(t.Rounds) is null))
            {
                continue;
            }
            var row = new List<IRenderable> { new Text(metric.Label) };
            foreach (var t in targets)
            {
                row.Add(new Text(Cell(metric, t.Rounds)));
            }
            if (compare)
            {
                row.Add(new Text(ratios.TryGetValue(metric.Key, out double r) ? Ratio(r) : ""));
            }
            figures.AddRow(row);
        }
        string rounds = settings.Rounds > 1
            ? $"median (min–max) of {settings.Rounds} rounds{(compare ? ", A and B interleaved" : "")}"
            : "one round";
        figures.Caption = new TableTitle(rounds);
        console.Write(figures);

        foreach (var t in targets)
        {
            foreach (var (round, index) in t.Rounds.Select((r, i) => (r, i + 1)))
            {
                if (round.Stopped is { } why)
                {
                    console.WriteLine($"{t.Label} round {index}: stopped early: {why}.");
                }
                if (round.UnansweredCloses > 0)
                {
                    console.WriteLine($"{t.Label} round {index}: {round.UnansweredCloses:N0} connection(s) got no answer to the closing handshake within 2 s.");
                }
            }
        }
        var errors = targets.SelectMany(t => t.Rounds.SelectMany(r => r.ErrorDetails.Select(e => (t.Label, e)))).ToList();
        if (errors.Count == 0)
        {
            return;
        }
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("errors") };
        table.AddColumns("target", "kind", "detail");
        table.AddColumn(new TableColumn("count").RightAligned());
        table.AddColumn("first seen");
        foreach (var group in errors.GroupBy(e => (e.Label, e.e.Kind, e.e.Detail)))
        {
            table.AddRow(
                new Text(group.Key.Label), new Text(group.Key.Kind), new Text(group.Key.Detail),
                new Text(group.Sum(g => g.e.Count).ToString("N0", CultureInfo.InvariantCulture)), new Text(group.First().e.Example));
        }
        console.Write(table);
    }

    /// <summary>A ratio as "0.97x".</summary>
    public static string Ratio(double r) => r.ToString(r >= 10 ? "0.#" : "0.00", CultureInfo.InvariantCulture) + "x";

    private static string Cell(BenchMetric metric, IReadOnlyList<BenchResult> rounds)
    {
        var values = rounds.Select(metric.Read).OfType<double>().ToList();
        if (values.Count == 0)
        {
            return "–";
        }
        string median = metric.Format(metric.Median(rounds)!.Value);
        return values.Count == 1 || values.Min() == values.Max() ? median : $"{median} ({metric.Format(values.Min())}–{metric.Format(values.Max())})";
    }
}
