namespace Ws101.Cli.Bench;

/// <summary>Latency percentiles in microseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs, double MeanUs);
