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
        foreach (var t in targets)
        {
            if (LoadBound(settings.Mode, settings.Threads, t.Label, t.Rounds) is { } note)
            {
                console.WriteLine(note);
            }
        }
        if (MemoryNote(settings.Mode, targets.Any(t => t.ServerPid is not null)) is { } memory)
        {
            console.WriteLine(memory);
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

    /// <summary>The share of its cores at which the load itself is the limit: it cannot send faster.</summary>
    internal const double SaturatedLoad = 0.95;

    /// <summary>
    /// A note when the load used (in the median round) nearly all of its cores against a target of a rate-measuring mode:
    /// the rate is then this tool's limit as much as the server's (a TLS handshake, for one, costs a client about as much as a
    /// fast server, or more), and the server's CPU per operation is the figure that compares servers. Null when the load had room.
    /// </summary>
    internal static string? LoadBound(BenchMode mode, int threads, string label, IReadOnlyList<BenchResult> rounds)
    {
        // The report's own figure: an idle run measures no rate, and shows no client CPU either.
        if (BenchMetric.For(mode).FirstOrDefault(m => m.Key == "clientCpuCores")?.Median(rounds) is not { } median || median < SaturatedLoad * threads)
        {
            return null;
        }
        string per = mode == BenchMode.Handshakes ? "handshake" : "message";
        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: load-bound: the load used {median:0.00} of its {threads} core{(threads == 1 ? "" : "s")}, so the rate is partly this tool's limit, not the server's alone; add load threads (--threads) where a core is free, or compare the server's CPU per {per} (--server-pid).");
    }

    /// <summary>
    /// How to read an idle run's memory per connection, printed under it: the figure is the growth of the server's whole
    /// RSS, which memory freed by earlier connections hides (a second round against the same server can read a few bytes)
    /// and a fresh server's one-time costs inflate (2,000 connections against a fresh ws101 serve: 2,845 B each; again
    /// against the same server: 4,624 B, then 8 B; bench/server/idle-memory.sh's steady figure: 860 B).
    /// </summary>
    internal static string? MemoryNote(BenchMode mode, bool serverMeasured) =>
        mode == BenchMode.Idle && serverMeasured
            ? "server memory per connection: the growth of the server's RSS while the connections opened. Memory that earlier "
              + "connections freed is reused without growing it (a later round or run against the same server reads low), and a "
              + "fresh server's first connections also pay one-time costs (code compiled, pools grown): for a steady figure, start "
              + "the server afresh, open a few hundred connections and close them, then measure many (10,000)."
            : null;

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
