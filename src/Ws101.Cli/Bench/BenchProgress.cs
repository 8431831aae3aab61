namespace Ws101.Cli.Bench;

/// <summary>The live figures of a run.</summary>
/// <param name="Phase">opening, warm-up, measuring, settling, holding, draining, closing.</param>
/// <param name="Elapsed">Seconds into the phase.</param>
/// <param name="Length">The phase's length in seconds (0 when open-ended).</param>
/// <param name="Completed">Messages or handshakes completed so far.</param>
/// <param name="Published">Fanout: messages published so far.</param>
/// <param name="Open">Connections open now.</param>
/// <param name="Connections">Connections asked for.</param>
/// <param name="Errors">Errors so far.</param>
internal sealed record BenchProgress(string Phase, double Elapsed, double Length, long Completed, long Published, int Open, int Connections, long Errors);
