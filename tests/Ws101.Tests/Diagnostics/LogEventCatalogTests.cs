using System.Text.RegularExpressions;

namespace Ws101.Tests.Diagnostics;

/// <summary>
/// Every log line in src/ is a source-generated [LoggerMessage] method with an event id of its own, and
/// docs/observability.md lists each one (id, level, name, message) exactly as the source declares it.
/// </summary>
public partial class LogEventCatalogTests
{
    [Fact]
    public void every_log_event_has_a_unique_id_and_a_row_in_the_observability_doc()
    {
        var events = DeclaredEvents();
        Assert.True(events.Count >= 25, $"only {events.Count} [LoggerMessage] methods found under src/");
        Assert.All(events.GroupBy(e => e.Id), g => Assert.True(g.Count() == 1, $"event id {g.Key} is used by {string.Join(", ", g.Select(e => e.Name))}"));

        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "observability.md"));
        var rows = doc.Split('\n').Where(l => EventRow().IsMatch(l)).Select(l => l.TrimEnd('\r')).ToList();
        var expected = events.OrderBy(e => e.Id).Select(e => $"| {e.Id} | {e.Level} | {e.Class}.{e.Name} | `{e.Message}` |").ToList();
        // Regenerate the table with the rows this assertion prints.
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void no_code_in_src_logs_through_the_formatting_extension_methods()
    {
        string src = Path.Combine(RepositoryRoot(), "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(src, f), Line: i + 1, Text: line)))
            .Where(l => ExtensionCall().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(offenders);
    }

    private sealed record LogEvent(int Id, string Level, string Class, string Name, string Message);

    private static List<LogEvent> DeclaredEvents()
    {
        string src = Path.Combine(RepositoryRoot(), "src");
        var events = new List<LogEvent>();
        foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file);
            foreach (Match m in Declaration().Matches(text))
            {
                events.Add(new LogEvent(int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["level"].Value,
                    Path.GetFileNameWithoutExtension(file), m.Groups["name"].Value, m.Groups["message"].Value));
            }
        }
        return events;
    }

    private static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Ws101.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        return root;
    }

    [GeneratedRegex("""\[LoggerMessage\((?<id>\d+), LogLevel\.(?<level>\w+),\s*"(?<message>[^"]*)"\)\]\s*public static partial void (?<name>\w+)\(""")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"^\| \d+ \| ")]
    private static partial Regex EventRow();

    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)?\(")]
    private static partial Regex ExtensionCall();
}
