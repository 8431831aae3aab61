using HdrHistogram;

namespace Ws101.Cli.Bench;

/// <summary>
/// What one load loop counted. Written only by its loop thread; the coordinator reads the running counters for the live
/// progress (a torn read is impossible for aligned 64-bit fields on x86-64) and everything else after the thread ended.
/// </summary>
internal sealed class LoopStats(int seconds)
{
    /// <summary>The highest latency recorded, in nanoseconds (longer ones are recorded as this): 10 minutes.</summary>
    public const long HighestLatency = 600_000_000_000;

    /// <summary>Completed messages: echoes received whole and checked, fanout deliveries, messages an idle connection got.</summary>
    public long Messages;

    /// <summary>Payload bytes of <see cref="Messages"/>.</summary>
    public long Bytes;

    /// <summary>Completed handshake loops (upgrade and closing handshake).</summary>
    public long Handshakes;

    /// <summary>Messages the fanout publisher sent.</summary>
    public long Published;

    /// <summary>Connections open now.</summary>
    public int Open;

    /// <summary>Connections that completed their upgrade, ever.</summary>
    public int Opened;

    /// <summary>Whether every connection of this loop has opened or failed.</summary>
    public volatile bool OpeningDone;

    /// <summary>Errors by kind.</summary>
    public ErrorTally Errors { get; } = new();

    /// <summary>Latency in nanoseconds, reset when the measured window starts: echo round trip, upgrade time, fanout delivery.</summary>
    public LongHistogram Latency { get; } = new(HighestLatency, 3);

    /// <summary>Completions in each second since the warm-up started.</summary>
    public long[] PerSecond { get; } = new long[seconds];

    /// <summary>Ticks when this loop's measured window started and ended (0 if it never did).</summary>
    public long MeasureStartedAt;

    /// <summary>Ticks when this loop's measured window ended.</summary>
    public long MeasureEndedAt;

    /// <summary>Counters at the start of the measured window.</summary>
    public long MessagesAtStart, BytesAtStart, HandshakesAtStart;

    /// <summary>Counters at the end of the measured window.</summary>
    public long MessagesAtEnd, BytesAtEnd, HandshakesAtEnd;

    /// <summary>Fanout: messages published inside the measured window, and deliveries of those.</summary>
    public long PublishedMeasured, DeliveredMeasured;

    /// <summary>Connections whose closing handshake at the end of the run got no answer in time.</summary>
    public int UnansweredCloses;
}
