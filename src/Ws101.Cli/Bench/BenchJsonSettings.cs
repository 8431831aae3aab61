namespace Ws101.Cli.Bench;

/// <summary>The settings as --json shows them.</summary>
internal sealed record BenchJsonSettings(int Connections, int Size, bool Text, double DurationSeconds, double WarmupSeconds, int? Rate, int Threads, int Rounds);
