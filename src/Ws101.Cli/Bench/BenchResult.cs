using System.Text.Json.Serialization;

namespace Ws101.Cli.Bench;

/// <summary>What one run against one server measured. Rates are over the measured window; errors over the whole run.</summary>
internal sealed record BenchResult
{
    public required string Url { get; init; }

    /// <summary>The measured window's actual length in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Connections asked for (fanout: subscribers; handshakes: concurrent loops).</summary>
    public int Connections { get; init; }

    /// <summary>Connections that completed their upgrade (handshakes: upgrades completed).</summary>
    public long Opened { get; init; }

    /// <summary>Connections open when the measured window ended (fanout: subscribers and publisher).</summary>
    public int OpenAtEnd { get; init; }

    /// <summary>Messages completed in the window: echoes received and checked, fanout deliveries.</summary>
    public long Messages { get; init; }

    public double MessagesPerSecond { get; init; }

    /// <summary>Payload MiB per second of those messages (one direction).</summary>
    public double MibPerSecond { get; init; }

    /// <summary>Handshake loops completed in the window (connect, upgrade, closing handshake).</summary>
    public long Handshakes { get; init; }

    public double HandshakesPerSecond { get; init; }

    /// <summary>Fanout: messages published in the window, deliveries expected (published × subscribers), and those missing.</summary>
    public FanoutFigures? Fanout { get; init; }

    /// <summary>Latency over the window: echo round trip, upgrade time, or publish-to-delivery.</summary>
    public LatencySummary? Latency { get; init; }

    /// <summary>Every error of the run, any phase.</summary>
    public long Errors { get; init; }

    public IReadOnlyList<ErrorCount> ErrorDetails { get; init; } = [];

    /// <summary>Close codes the server sent during the run, with counts ("1006": ended without a close frame).</summary>
    public IReadOnlyDictionary<string, long> CloseCodes { get; init; } = new Dictionary<string, long>();

    /// <summary>Connections whose closing handshake at the end got no answer within 2 s.</summary>
    public int UnansweredCloses { get; init; }

    /// <summary>The server's memory and CPU, with --server-pid.</summary>
    public ServerFigures? Server { get; init; }

    /// <summary>CPU this tool used over the window, in cores (1.0: one core busy).</summary>
    public double ClientCpuCores { get; init; }

    /// <summary>Completions in each second from the start of the warm-up.</summary>
    public IReadOnlyList<long> Timeline { get; init; } = [];

    /// <summary>Seconds of warm-up at the start of <see cref="Timeline"/>.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Set when the run was stopped early (Ctrl+C, or every connection failed).</summary>
    public string? Stopped { get; init; }

    /// <summary>The latency distribution (percentile, microseconds) for the plot.</summary>
    [JsonIgnore]
    public IReadOnlyList<(double Percentile, double Microseconds)> Distribution { get; init; } = [];
}
