using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ws101.Cli.Bench;

/// <summary>What <c>--json</c> prints: the settings, every round of every target, the medians and, with --compare, B/A.</summary>
/// <param name="Mode">echo, handshakes, idle or fanout.</param>
/// <param name="Settings">The run's settings.</param>
/// <param name="Targets">A, and B with --compare.</param>
/// <param name="Ratios">B's median over A's per figure, with --compare.</param>
/// <param name="Errors">Every error of every run.</param>
internal sealed record BenchJson(string Mode, BenchJsonSettings Settings, IReadOnlyList<BenchJsonTarget> Targets, IReadOnlyDictionary<string, double>? Ratios, long Errors)
{
    /// <summary>The document for these targets, indented, camelCase.</summary>
    public static string Serialize(BenchSettings settings, IReadOnlyList<BenchTarget> targets)
    {
        var document = new BenchJson(
            settings.Mode.ToString().ToLowerInvariant(),
            new BenchJsonSettings(settings.Connections, settings.Size, settings.Text, settings.Duration.TotalSeconds, settings.Warmup.TotalSeconds,
                settings.Mode == BenchMode.Fanout ? settings.Rate : null, settings.Threads, settings.Rounds),
            [.. targets.Select(t => new BenchJsonTarget(t.Label, t.Url.ToString(), t.ServerPid, t.Rounds, t.Medians(settings.Mode)))],
            targets.Count == 2 ? BenchTarget.Ratios(settings.Mode, targets[0], targets[1]) : null,
            targets.Sum(t => t.Rounds.Sum(r => r.Errors)));
        return JsonSerializer.Serialize(document, BenchJsonContext.Default.BenchJson);
    }
}
