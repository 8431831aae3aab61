using System.CommandLine;
using System.Runtime.InteropServices;
using Spectre.Console;
using Ws101.Cli.Bench;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 bench echo|handshakes|idle|fanout URL</c>: puts load on any WebSocket server and reports throughput, latency
/// percentiles and every error; <c>--compare URL2</c> runs two servers in interleaved rounds and prints B/A,
/// <c>--json</c> prints the figures for scripts, <c>--plot FILE.png</c> draws them.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var bench = new Command("bench", "Put load on a WebSocket server: echo throughput and latency, handshake rate, memory per idle connection, topic fan-out.");
        (BenchMode Mode, string Name, string Description)[] modes =
        [
            (BenchMode.Echo, "echo", "Closed loop per connection: send a message, wait for its echo, check it, send the next. Messages/s, MiB/s, round-trip latency."),
            (BenchMode.Handshakes, "handshakes", "Concurrent loops of connect, upgrade, closing handshake, close. Handshakes/s and upgrade time."),
            (BenchMode.Idle, "idle", "Open the connections and hold them, answering pings; with --server-pid, the server's memory per connection."),
            (BenchMode.Fanout, "fanout", "One publisher and N subscribers on one topic URL (ws101 serve's /topic/NAME): deliveries/s and publish-to-delivery latency."),
        ];
        foreach (var (mode, name, description) in modes)
        {
            var args = new BenchArguments(mode);
            var command = new Command(name, description);
            args.AddTo(command);
            command.SetAction(result => Run(console, args, result));
            bench.Add(command);
        }
        return bench;
    }

    private static int Run(CliConsole console, BenchArguments args, ParseResult parsed)
    {
        BenchArguments.Request request;
        var targets = new List<BenchTarget>();
        try
        {
            long limit = FileDescriptorLimit.RaiseToHardLimit();
            request = args.Read(parsed, FileDescriptorLimit.ConnectionsAllowed(limit));
            targets.Add(Target("A", request.Url, request.ServerPid, request.Settings));
            if (request.Compare is { } compare)
            {
                targets.Add(Target("B", compare, request.CompareServerPid, request.Settings));
            }
        }
        catch (ArgumentException ex)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageError;
        }
        var settings = request.Settings;
        TextWriter progressWriter = request.Json ? console.Error : console.Out;
        bool interactive = IsTerminal(progressWriter);
        IAnsiConsole progress = CreateConsole(progressWriter, interactive);
        progress.WriteLine($"ws101 bench {settings.Mode.ToString().ToLowerInvariant()}: {settings.Describe()}");
        foreach (var t in targets)
        {
            progress.WriteLine($"  {t.Label}: {t.Url}{(t.ServerPid is { } pid ? $" (server pid {pid})" : "")}");
        }
        var view = new BenchLiveView(progress, interactive, settings.Mode);
        // Synchronous on this thread, with no thread-pool work (see BenchRunner.Run): Ctrl+C and SIGTERM end the run
        // early and still print what was measured.
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
        var cancellationToken = stop.Token;
        try
        {
            for (int round = 1; round <= settings.Rounds && !cancellationToken.IsCancellationRequested; round++)
            {
                foreach (var t in targets)
                {
                    string label = targets.Count > 1 || settings.Rounds > 1 ? $"{t.Label} round {round}/{settings.Rounds}" : t.Label;
                    using var runner = new BenchRunner(t.Plan, t.ServerPid);
                    t.Rounds.Add(view.Show(label, runner, cancellationToken));
                    if (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }
            }
        }
        catch (InvalidOperationException ex)
        {
            console.Error.WriteLine($"error: the load generator failed: {ex.Message}");
            return ExitCodes.UsageError;
        }
        if (request.Json)
        {
            console.Out.WriteLine(BenchJson.Serialize(settings, targets));
        }
        else
        {
            BenchReport.Write(CreateConsole(console.Out, IsTerminal(console.Out)), settings, targets);
        }
        if (request.Plot is { } plot && targets.Any(t => t.Rounds.Count > 0))
        {
            BenchPlot.Save(plot, settings, targets);
            progress.WriteLine($"Plot written to {plot}.");
        }
        bool clean = targets.All(t => t.Rounds.Count > 0 && t.Rounds.All(r => r.Errors == 0 && r.Stopped is null));
        return clean ? ExitCodes.Ok : ExitCodes.Problems;
    }

    private static BenchTarget Target(string label, Uri url, int? serverPid, BenchSettings settings) =>
        new(label, url, serverPid, new LoadPlan(settings, url, TargetAddress.Resolve(url, settings.SourceAddresses)));

    /// <summary>Whether <paramref name="writer"/> is this process's own terminal (not a pipe, a file or a test's string).</summary>
    private static bool IsTerminal(TextWriter writer) =>
        Environment.GetEnvironmentVariable("TERM") is not (null or "dumb")
        && ((ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected) || (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected));

    private static IAnsiConsole CreateConsole(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!interactive)
        {
            console.Profile.Width = 120;
        }
        return console;
    }
}
