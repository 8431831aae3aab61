namespace Ws101.Cli.Bench;

/// <summary>One target as --json shows it.</summary>
internal sealed record BenchJsonTarget(string Label, string Url, int? ServerPid, IReadOnlyList<BenchResult> Rounds, IReadOnlyDictionary<string, double> Median);
