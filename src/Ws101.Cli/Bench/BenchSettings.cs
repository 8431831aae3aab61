using Ws101.Handshake;

namespace Ws101.Cli.Bench;

/// <summary>One bench run's settings, already checked (see <see cref="BenchArguments"/>).</summary>
internal sealed record BenchSettings
{
    /// <summary>The longest measured time, warm-up or run a command may ask for, in seconds.</summary>
    public const double MaxSeconds = 3600;

    /// <summary>The largest message: a fixed payload is shared by every connection, so this bounds memory, not connections.</summary>
    public const int MaxSize = 16 * 1024 * 1024;

    /// <summary>The most messages a fanout publisher sends per second.</summary>
    public const int MaxRate = 1_000_000;

    /// <summary>The most rounds of a run (each target once per round).</summary>
    public const int MaxRounds = 50;

    /// <summary>Connects in flight at once while the connections open, so that a run does not flood the server's accept queue.</summary>
    public const int MaxConnectsInFlight = 256;

    public required BenchMode Mode { get; init; }

    /// <summary>Echo and idle: connections; handshakes: concurrent loops; fanout: subscribers (the publisher is one more).</summary>
    public required int Connections { get; init; }

    /// <summary>The payload size in bytes (echo, fanout).</summary>
    public int Size { get; init; } = 20;

    /// <summary>Text frames instead of binary.</summary>
    public bool Text { get; init; }

    /// <summary>The measured time.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The time after every connection opened and before measuring (idle: the settle time before the server's memory is read).</summary>
    public required TimeSpan Warmup { get; init; }

    /// <summary>Fanout: messages the publisher sends per second.</summary>
    public int Rate { get; init; } = 1000;

    /// <summary>Load loops, each on its own thread with its share of the connections.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The time allowed to connect and complete the handshake.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Source addresses 127.0.0.2... to rotate through for a server on 127.0.0.0/8 (0: the kernel picks).</summary>
    public int SourceAddresses { get; init; }

    /// <summary>Origin, subprotocols and extra headers of every upgrade request.</summary>
    public ClientHandshakeOptions Handshake { get; init; } = new();

    /// <summary>For wss://, accept any certificate (--insecure: a self-signed test certificate).</summary>
    public bool AcceptAnyCertificate { get; init; }

    /// <summary>Rounds per target (with a comparison, A and B alternate within each round).</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>A short description for the report's heading.</summary>
    public string Describe() => Mode switch
    {
        BenchMode.Echo => $"{Connections:N0} connections, {Size:N0} B {(Text ? "text" : "binary")}, {Seconds(Warmup)} warm-up, {Seconds(Duration)} measured",
        BenchMode.Handshakes => $"{Connections:N0} concurrent loops, {Seconds(Warmup)} warm-up, {Seconds(Duration)} measured",
        BenchMode.Idle => $"{Connections:N0} connections held, {Seconds(Warmup)} settle, {Seconds(Duration)} held",
        _ => $"1 publisher at {Rate:N0} msgs/s, {Connections:N0} subscribers, {Size:N0} B {(Text ? "text" : "binary")}, {Seconds(Warmup)} warm-up, {Seconds(Duration)} measured",
    } + (Threads > 1 ? $", {Threads} load threads" : "");

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.##} s";
}
