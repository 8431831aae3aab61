namespace Ws101.Cli.Bench;

/// <summary>Fanout's delivery accounting over the measured window.</summary>
internal sealed record FanoutFigures(long Published, double PublishedPerSecond, int Subscribers, long Expected, long Delivered, long Missing);
