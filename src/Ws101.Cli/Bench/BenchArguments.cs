using System.CommandLine;
using System.Runtime.InteropServices;
using Ws101.Handshake;

namespace Ws101.Cli.Bench;

/// <summary>
/// The options of one <c>ws101 bench MODE</c> subcommand and their checks: every value is bounded (time, connections under
/// the file limit, sizes, rates) and a wrong one is refused with a message that names the option and the allowed range.
/// </summary>
internal sealed class BenchArguments
{
    private readonly BenchMode _mode;

    public BenchArguments(BenchMode mode)
    {
        _mode = mode;
        var (connections, warmup, size) = mode switch
        {
            BenchMode.Echo => (100, 3.0, 20),
            BenchMode.Handshakes => (32, 2.0, 0),
            BenchMode.Idle => (1000, 3.0, 0),
            _ => (100, 2.0, 64),
        };
        Connections = new("--connections", "-c")
        {
            Description = mode switch
            {
                BenchMode.Handshakes => "Concurrent connect-upgrade-close loops.",
                BenchMode.Fanout => "Subscribers (the publisher is one more connection).",
                _ => "Connections to open.",
            },
            DefaultValueFactory = _ => connections,
        };
        Warmup = new("--warmup", "-w")
        {
            Description = mode == BenchMode.Idle
                ? "Seconds to settle after every connection opened, before the server's memory is read."
                : "Seconds of load after every connection opened and before measuring.",
            DefaultValueFactory = _ => warmup,
        };
        Size = new("--size", "-s") { Description = mode == BenchMode.Fanout ? "Message size in bytes (at least the 16-byte stamp; 32 with --text)." : "Message size in bytes.", DefaultValueFactory = _ => size };
    }

    public Argument<string> Url { get; } = new("url") { Description = "The server's ws:// URL (echo and handshakes: wss:// too)." };
    public Option<int> Connections { get; }
    public Option<double> Duration { get; } = new("--duration", "-d") { Description = "Seconds measured (idle: seconds the connections are held).", DefaultValueFactory = _ => 10 };
    public Option<double> Warmup { get; }
    public Option<int> Size { get; }
    public Option<bool> Text { get; } = new("--text") { Description = "Send text frames (printable ASCII) instead of binary." };
    public Option<int> Rate { get; } = new("--rate") { Description = "Messages the publisher sends per second.", DefaultValueFactory = _ => 1000 };
    public Option<int> Threads { get; } = new("--threads") { Description = "Load threads, each an epoll loop with its share of the connections.", DefaultValueFactory = _ => 1 };
    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds allowed to connect and complete a handshake.", DefaultValueFactory = _ => 10 };
    public Option<int?> SourceAddresses { get; } = new("--source-addresses") { Description = "For a server on 127.0.0.1: bind connections to 127.0.0.2... in turn, this many (default 8 for handshakes and idle, else 0)." };
    public Option<string[]> Subprotocols { get; } = new("--subprotocol") { Description = "Offer this subprotocol (repeat for several).", AllowMultipleArgumentsPerToken = true };
    public Option<string[]> Headers { get; } = new("--header", "-H") { Description = "Send this header with every upgrade, as \"Name: value\".", AllowMultipleArgumentsPerToken = true };
    public Option<string?> Origin { get; } = new("--origin") { Description = "Send this Origin with every upgrade." };
    public Option<int?> ServerPid { get; } = new("--server-pid") { Description = "The server's process id: its CPU per message and memory (idle: per connection) from /proc." };
    public Option<string?> Compare { get; } = new("--compare") { Description = "A second server's URL: the two are run in interleaved rounds (A, B, A, B, ...) and B/A is printed." };
    public Option<int?> CompareServerPid { get; } = new("--compare-server-pid") { Description = "The --compare server's process id." };
    public Option<int?> Rounds { get; } = new("--rounds") { Description = "Rounds per server (default 3 with --compare, else 1); the report shows medians." };
    public Option<bool> Insecure { get; } = new("--insecure", "-k") { Description = "For wss://, accept any certificate: a self-signed test certificate (testing only)." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print the results as JSON (progress goes to standard error)." };
    public Option<string?> Plot { get; } = new("--plot") { Description = "Write a PNG: throughput over time and the latency distribution." };

    /// <summary>Adds this mode's options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Url);
        command.Add(Connections);
        command.Add(Duration);
        command.Add(Warmup);
        if (_mode is BenchMode.Echo or BenchMode.Fanout)
        {
            command.Add(Size);
            command.Add(Text);
        }
        if (_mode == BenchMode.Fanout)
        {
            command.Add(Rate);
        }
        command.Add(Threads);
        command.Add(Timeout);
        command.Add(SourceAddresses);
        command.Add(Subprotocols);
        command.Add(Headers);
        command.Add(Origin);
        command.Add(ServerPid);
        command.Add(Compare);
        command.Add(CompareServerPid);
        command.Add(Rounds);
        if (_mode is BenchMode.Echo or BenchMode.Handshakes)
        {
            command.Add(Insecure);
        }
        command.Add(Json);
        if (_mode != BenchMode.Idle)
        {
            command.Add(Plot);
        }
    }

    /// <summary>What the command line asks for, checked.</summary>
    public sealed record Request(BenchSettings Settings, Uri Url, int? ServerPid, Uri? Compare, int? CompareServerPid, bool Json, string? Plot);

    /// <summary>Reads and checks every option; throws <see cref="ArgumentException"/> with a message for the user when one is wrong.</summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="connectionsAllowed">How many connections fit under the process's file limit.</param>
    public Request Read(ParseResult result, int connectionsAllowed)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new ArgumentException("ws101 bench drives its sockets with Linux epoll and runs on Linux x86-64 only.");
        }
        Uri url = ReadUrl(result.GetValue(Url)!, "url", _mode);
        Uri? compare = result.GetValue(Compare) is { } c ? ReadUrl(c, "--compare", _mode) : null;
        int connections = result.GetValue(Connections);
        int needed = connections + (_mode == BenchMode.Fanout ? 1 : 0);
        if (connections < 1)
        {
            throw new ArgumentException("--connections must be at least 1.");
        }
        if (needed > connectionsAllowed)
        {
            throw new ArgumentException($"--connections {connections:N0} needs {needed:N0} sockets; the file limit of this process allows {connectionsAllowed:N0} (ulimit -n, less what is open and a reserve).");
        }
        double duration = result.GetValue(Duration);
        double warmup = result.GetValue(Warmup);
        if (duration is <= 0 or > BenchSettings.MaxSeconds || double.IsNaN(duration))
        {
            throw new ArgumentException($"--duration must be above 0 and at most {BenchSettings.MaxSeconds:N0} seconds.");
        }
        if (warmup is < 0 or > BenchSettings.MaxSeconds || double.IsNaN(warmup))
        {
            throw new ArgumentException($"--warmup must be between 0 and {BenchSettings.MaxSeconds:N0} seconds.");
        }
        int size = _mode is BenchMode.Echo or BenchMode.Fanout ? result.GetValue(Size) : 0;
        bool text = _mode is BenchMode.Echo or BenchMode.Fanout && result.GetValue(Text);
        int least = _mode == BenchMode.Fanout ? FanoutStamp.Length(text) : 0;
        if (size < least || size > BenchSettings.MaxSize)
        {
            throw new ArgumentException($"--size must be between {least:N0} and {BenchSettings.MaxSize:N0} bytes{(_mode == BenchMode.Fanout ? " (a fanout message starts with the publisher's stamp)" : "")}.");
        }
        int rate = _mode == BenchMode.Fanout ? result.GetValue(Rate) : 0;
        if (_mode == BenchMode.Fanout && rate is < 1 or > BenchSettings.MaxRate)
        {
            throw new ArgumentException($"--rate must be between 1 and {BenchSettings.MaxRate:N0} messages per second.");
        }
        int threads = result.GetValue(Threads);
        if (threads < 1 || threads > Environment.ProcessorCount)
        {
            throw new ArgumentException($"--threads must be between 1 and {Environment.ProcessorCount} (the processors of this machine).");
        }
        double timeout = result.GetValue(Timeout);
        if (timeout is <= 0 or > 600 || double.IsNaN(timeout))
        {
            throw new ArgumentException("--timeout must be above 0 and at most 600 seconds.");
        }
        int sources = result.GetValue(SourceAddresses) ?? (_mode is BenchMode.Handshakes or BenchMode.Idle ? 8 : 0);
        if (sources is < 0 or > 250)
        {
            throw new ArgumentException("--source-addresses must be between 0 and 250.");
        }
        int rounds = result.GetValue(Rounds) ?? (compare is null ? 1 : 3);
        if (rounds < 1 || rounds > BenchSettings.MaxRounds)
        {
            throw new ArgumentException($"--rounds must be between 1 and {BenchSettings.MaxRounds}.");
        }
        double planned = rounds * (compare is null ? 1 : 2) * (warmup + duration);
        if (planned > BenchSettings.MaxSeconds * 4)
        {
            throw new ArgumentException($"The run would take {planned / 3600:0.#} hours (rounds × servers × (warm-up + duration)); the limit is {BenchSettings.MaxSeconds * 4 / 3600:0} hours.");
        }
        int? serverPid = ReadPid(result.GetValue(ServerPid), "--server-pid");
        int? comparePid = ReadPid(result.GetValue(CompareServerPid), "--compare-server-pid");
        if (comparePid is not null && compare is null)
        {
            throw new ArgumentException("--compare-server-pid needs --compare.");
        }
        string? plot = _mode != BenchMode.Idle ? result.GetValue(Plot) : null;
        if (plot is not null)
        {
            if (!plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"--plot writes a PNG: give a file name ending in .png ('{plot}' does not).");
            }
            string? folder = Path.GetDirectoryName(Path.GetFullPath(plot));
            if (folder is null || !Directory.Exists(folder))
            {
                throw new ArgumentException($"--plot: the folder '{folder}' does not exist.");
            }
        }
        var settings = new BenchSettings
        {
            Mode = _mode,
            Connections = connections,
            Size = size,
            Text = text,
            Duration = TimeSpan.FromSeconds(duration),
            Warmup = TimeSpan.FromSeconds(warmup),
            Rate = rate,
            Threads = threads,
            Timeout = TimeSpan.FromSeconds(timeout),
            SourceAddresses = sources,
            Handshake = ReadHandshake(result),
            Rounds = rounds,
            AcceptAnyCertificate = _mode is BenchMode.Echo or BenchMode.Handshakes && result.GetValue(Insecure),
        };
        return new Request(settings, url, serverPid, compare, comparePid, result.GetValue(Json), plot);
    }

    private static Uri ReadUrl(string text, string what, BenchMode mode)
    {
        Uri uri;
        try
        {
            uri = WebSocketUrl.Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{what}: {ex.Message}", ex);
        }
        if (uri.Scheme == "wss" && mode is not (BenchMode.Echo or BenchMode.Handshakes))
        {
            throw new ArgumentException($"{what}: over wss:// ws101 bench measures echo and handshakes only; run {mode.ToString().ToLowerInvariant()} against the server's ws:// port.");
        }
        if (uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"{what}: a WebSocket URL has no fragment ('{uri.Fragment}'), RFC 6455 §3.");
        }
        return uri;
    }

    private static int? ReadPid(int? pid, string what)
    {
        if (pid is null)
        {
            return null;
        }
        if (pid <= 0 || !File.Exists($"/proc/{pid}/status"))
        {
            throw new ArgumentException($"{what}: there is no process {pid}.");
        }
        return pid;
    }

    private ClientHandshakeOptions ReadHandshake(ParseResult result)
    {
        return new ClientHandshakeOptions
        {
            Subprotocols = result.GetValue(Subprotocols) ?? [],
            Headers = ClientArguments.ParseHeaders(result.GetValue(Headers) ?? []),
            Origin = result.GetValue(Origin),
        };
    }
}
