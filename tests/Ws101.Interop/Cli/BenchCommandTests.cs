using System.Text.Json;
using Ws101.Cli;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// <c>ws101 bench</c> against real servers — <c>ws101 serve</c> in its own process, Kestrel, Node's ws and Python's
/// websockets — in short runs (a second or less measured): the figures it prints as JSON are counted work with no
/// errors, and what goes wrong (a refused upgrade, a refused connection, a server's close) is counted with its code.
/// No test asserts a speed: only that work was done and accounted for.
/// </summary>
public sealed class BenchCommandTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(90);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Servers() => ["ws101 serve", "kestrel", "node-ws", "python-websockets"];

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task echo_handshakes_and_idle_runs_count_their_work_with_no_errors(string server)
    {
        await using var target = await BenchTarget.StartAsync(server);

        var echo = await BenchAsync(["bench", "echo", target.Url, "-c", "4", "-d", "1", "-w", "0.3", "--json", .. target.PidArguments]);
        var handshakes = await BenchAsync(["bench", "handshakes", target.Url, "-c", "4", "-d", "1", "-w", "0.3", "--json", .. target.PidArguments]);
        var idle = await BenchAsync(["bench", "idle", target.Url, "-c", "50", "-d", "0.5", "-w", "0.5", "--json", .. target.PidArguments]);

        var e = echo.Round();
        Assert.True(echo.ExitCode == 0, echo.Diagnostics(target));
        Assert.True(e.GetProperty("messages").GetInt64() > 0, echo.Diagnostics(target));
        Assert.True(e.GetProperty("messagesPerSecond").GetDouble() > 0);
        Assert.Equal(0, e.GetProperty("errors").GetInt64());
        Assert.Equal(4, e.GetProperty("openAtEnd").GetInt32());
        var latency = e.GetProperty("latency");
        Assert.Equal(e.GetProperty("messages").GetInt64(), latency.GetProperty("count").GetInt64());
        Assert.InRange(latency.GetProperty("p50Us").GetDouble(), 0.001, latency.GetProperty("p99Us").GetDouble());
        Assert.True(latency.GetProperty("p99Us").GetDouble() <= latency.GetProperty("maxUs").GetDouble());
        Assert.True(e.GetProperty("timeline").EnumerateArray().Sum(s => s.GetInt64()) >= e.GetProperty("messages").GetInt64());
        if (target.Pid is not null)
        {
            Assert.True(e.GetProperty("server").GetProperty("cpuUsPerOperation").GetDouble() > 0, echo.Diagnostics(target));
        }

        var h = handshakes.Round();
        Assert.True(handshakes.ExitCode == 0, handshakes.Diagnostics(target));
        Assert.True(h.GetProperty("handshakes").GetInt64() > 0, handshakes.Diagnostics(target));
        Assert.Equal(0, h.GetProperty("errors").GetInt64());
        Assert.True(h.GetProperty("latency").GetProperty("count").GetInt64() > 0);

        var i = idle.Round();
        Assert.True(idle.ExitCode == 0, idle.Diagnostics(target));
        Assert.Equal(50, i.GetProperty("openAtEnd").GetInt32());
        Assert.Equal(0, i.GetProperty("errors").GetInt64());
        Assert.Equal(0, i.GetProperty("unansweredCloses").GetInt32());
        if (target.Pid is { } pid)
        {
            var figures = i.GetProperty("server");
            Assert.Equal(pid, figures.GetProperty("pid").GetInt32());
            Assert.True(figures.GetProperty("rssBeforeBytes").GetInt64() > 0);
            Assert.True(figures.GetProperty("rssAfterBytes").GetInt64() > 0);
            Assert.Equal(JsonValueKind.Number, figures.GetProperty("bytesPerConnection").ValueKind);
        }
    }

    [Fact]
    public async Task fanout_through_ws101_serve_topics_from_two_load_threads_delivers_every_message_to_every_subscriber_with_its_latency()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);

        var run = await BenchAsync(["bench", "fanout", serve.Url("/topic/bench").ToString(), "-c", "5", "--rate", "200", "-d", "1", "-w", "0.5", "--threads", "2", "--json", "--server-pid", $"{serve.Pid}"]);

        var r = run.Round();
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var fanout = r.GetProperty("fanout");
        Assert.Equal(5, fanout.GetProperty("subscribers").GetInt32());
        Assert.True(fanout.GetProperty("published").GetInt64() > 0);
        Assert.Equal(fanout.GetProperty("published").GetInt64() * 5, fanout.GetProperty("expected").GetInt64());
        Assert.Equal(fanout.GetProperty("expected").GetInt64(), fanout.GetProperty("delivered").GetInt64());
        Assert.Equal(0, fanout.GetProperty("missing").GetInt64());
        Assert.Equal(fanout.GetProperty("delivered").GetInt64(), r.GetProperty("latency").GetProperty("count").GetInt64());
        Assert.Equal(0, r.GetProperty("errors").GetInt64());
    }

    [Fact]
    public async Task a_refused_upgrade_is_counted_with_its_handshake_problem_code_and_exits_1()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);
        string missing = serve.Url("/no-such-route").ToString();

        var json = await BenchAsync(["bench", "echo", missing, "-c", "3", "-d", "1", "--json"]);
        var text = await BenchAsync(["bench", "handshakes", missing, "-c", "2", "-d", "0.5", "-w", "0"]);

        Assert.Equal(1, json.ExitCode);
        var r = json.Round();
        Assert.Equal(3, r.GetProperty("errors").GetInt64());
        var error = Assert.Single(r.GetProperty("errorDetails").EnumerateArray());
        Assert.Equal("handshake", error.GetProperty("kind").GetString());
        Assert.Equal("not-found", error.GetProperty("detail").GetString());
        Assert.Equal(3, error.GetProperty("count").GetInt64());
        Assert.Contains("404", error.GetProperty("example").GetString(), StringComparison.Ordinal);
        Assert.Equal("no connection opened", r.GetProperty("stopped").GetString());

        Assert.Equal(1, text.ExitCode);
        Assert.Matches(@"│ A\s+│ handshake │ not-found\s+│\s+[\d,]+ │ not-found: HTTP/1.1 404", text.Out);
    }

    [Fact]
    public async Task over_wss_echo_and_handshakes_against_ws101_serve_with_a_self_signed_certificate_count_their_work_with_insecure()
    {
        using TestCertificate certificate = TestCertificate.Create();
        string folder = Directory.CreateTempSubdirectory("ws101-bench-wss-").FullName;
        try
        {
            var (cert, key) = certificate.WritePemFiles(folder);
            await using var serve = await ServeProcess.StartAsync(Cancel, "--cert", cert, "--key", key!);
            string url = serve.Url("/echo").ToString();
            Assert.StartsWith("wss://", url, StringComparison.Ordinal);

            var echo = await BenchAsync(["bench", "echo", url, "--insecure", "-c", "4", "-s", "2000", "-d", "1", "-w", "0.3", "--json", "--server-pid", $"{serve.Pid}"]);
            var handshakes = await BenchAsync(["bench", "handshakes", url, "-k", "-c", "4", "-d", "1", "-w", "0.3", "--json", "--server-pid", $"{serve.Pid}"]);

            var e = echo.Round();
            Assert.True(echo.ExitCode == 0, echo.Out + echo.Error + serve.Process.Diagnostics());
            Assert.True(e.GetProperty("messages").GetInt64() > 0, echo.Out);
            Assert.Equal(0, e.GetProperty("errors").GetInt64());
            Assert.Equal(4, e.GetProperty("openAtEnd").GetInt32());
            Assert.Equal(0, e.GetProperty("unansweredCloses").GetInt32());
            Assert.Equal(e.GetProperty("messages").GetInt64(), e.GetProperty("latency").GetProperty("count").GetInt64());
            Assert.True(e.GetProperty("server").GetProperty("cpuUsPerOperation").GetDouble() > 0, echo.Out);
            var h = handshakes.Round();
            Assert.True(handshakes.ExitCode == 0, handshakes.Out + handshakes.Error + serve.Process.Diagnostics());
            Assert.True(h.GetProperty("handshakes").GetInt64() > 0, handshakes.Out);
            Assert.Equal(0, h.GetProperty("errors").GetInt64());

            // Without --insecure the self-signed certificate is refused, and every attempt is counted as a TLS failure.
            var refused = await BenchAsync(["bench", "echo", url, "-c", "2", "-d", "0.5", "--json"]);
            Assert.Equal(1, refused.ExitCode);
            var error = Assert.Single(refused.Round().GetProperty("errorDetails").EnumerateArray());
            Assert.Equal("handshake", error.GetProperty("kind").GetString());
            Assert.Equal("tls-failed", error.GetProperty("detail").GetString());
            Assert.Equal(2, error.GetProperty("count").GetInt64());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task a_refused_connection_is_counted_with_the_systems_reason()
    {
        int closedPort = LoopbackPort.GetFree();

        var run = await BenchAsync(["bench", "echo", $"ws://127.0.0.1:{closedPort}/", "-c", "2", "-d", "1", "--json"]);

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Round().GetProperty("errorDetails").EnumerateArray());
        Assert.Equal("connect", error.GetProperty("kind").GetString());
        Assert.Equal("Connection refused", error.GetProperty("detail").GetString());
        Assert.Equal(2, error.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task a_servers_close_during_the_run_is_counted_by_close_code()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel, "--max-message", "10");

        var run = await BenchAsync(["bench", "echo", serve.Url("/echo").ToString(), "-c", "3", "-s", "20", "-d", "1", "-w", "0", "--json"]);

        Assert.Equal(1, run.ExitCode);
        var r = run.Round();
        Assert.Equal(3, r.GetProperty("closeCodes").GetProperty("1009").GetInt64());
        var error = Assert.Single(r.GetProperty("errorDetails").EnumerateArray());
        Assert.Equal(("closed", "1009"), (error.GetProperty("kind").GetString(), error.GetProperty("detail").GetString()));
        Assert.Equal(0, r.GetProperty("messages").GetInt64());
    }

    [Fact]
    public async Task compare_runs_both_servers_in_interleaved_rounds_and_gives_medians_and_b_over_a()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);
        await using var kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);

        var run = await BenchAsync(["bench", "echo", serve.Url("/echo").ToString(), "--compare", kestrel.Url.ToString(), "--rounds", "2",
            "-c", "4", "-d", "0.5", "-w", "0.2", "--json", "--server-pid", $"{serve.Pid}"]);

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var targets = run.Json.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["A", "B"], targets.Select(t => t.GetProperty("label").GetString()));
        Assert.All(targets, t => Assert.Equal(2, t.GetProperty("rounds").GetArrayLength()));
        Assert.All(targets, t => Assert.All(t.GetProperty("rounds").EnumerateArray(), r => Assert.True(r.GetProperty("messages").GetInt64() > 0)));
        double a = targets[0].GetProperty("median").GetProperty("messagesPerSecond").GetDouble();
        double b = targets[1].GetProperty("median").GetProperty("messagesPerSecond").GetDouble();
        Assert.Equal(b / a, run.Json.GetProperty("ratios").GetProperty("messagesPerSecond").GetDouble(), 9);
        // Progress went to standard error in round order: A, B, A, B.
        var order = run.Error.Split('\n').Where(l => l.Contains(" round ", StringComparison.Ordinal) && l.Contains(": ", StringComparison.Ordinal) && l.Contains("msgs/s,", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]).ToList();
        Assert.Equal(["A round 1/2", "B round 1/2", "A round 2/2", "B round 2/2"], order);
    }

    [Fact]
    public async Task compare_prints_a_b_over_a_column_and_plot_writes_a_png_of_throughput_and_latency()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);
        await using var kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);
        string png = Path.Combine(Path.GetTempPath(), $"ws101-bench-{Guid.NewGuid():N}.png");
        try
        {
            var run = await BenchAsync(["bench", "echo", serve.Url("/echo").ToString(), "--compare", kestrel.Url.ToString(), "--rounds", "1",
                "-c", "4", "-d", "1", "-w", "0.3", "--plot", png]);

            Assert.True(run.ExitCode == 0, run.Out + run.Error);
            Assert.Matches(@"│ echo\s+│ A: ws://127\.0\.0\.1:\d+/echo\s+│ B: ws://127\.0\.0\.1:\d+/\s+│\s+B/A │", run.Out);
            Assert.Matches(@"│ messages/s\s+│\s+[\d,.]+ │\s+[\d,.]+ │\s+[\d.]+x │", run.Out);
            Assert.Contains($"Plot written to {png}.", run.Out, StringComparison.Ordinal);
            byte[] image = await File.ReadAllBytesAsync(png, Cancel);
            Assert.Equal<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], image[..8]);
            Assert.True(image.Length > 20_000, $"the PNG is only {image.Length} bytes");
            // The IHDR chunk holds the size the plot asked for.
            Assert.Equal(1200, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(16)));
            Assert.Equal(900, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(20)));
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public async Task in_a_terminal_the_progress_is_a_live_line_and_the_summary_a_table()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{CliProgram.ShellCommand("bench", "echo", serve.Url("/echo").ToString(), "-c", "4", "-d", "3", "-w", "1")}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync(@"^A\s+measuring [━─]{20} \d/3 s\s+[\d,]+ msgs/s\s+open 4/4\s+errors 0", "the live progress line with its bar", cancellationToken: Cancel);
        await terminal.WaitForLineAsync(@"^A: [\d,]+ msgs/s, .* 0 error\(s\)$", "the run's result line", cancellationToken: Cancel);
        await terminal.WaitForLineAsync(@"│ messages/s\s+│\s+[\d,]+ │", "the summary table", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^ws101 exited 0$", "the exit code", cancellationToken: Cancel);
    }

    private static async Task<BenchOutput> BenchAsync(string[] args)
    {
        var (code, output, error) = await CliProgram.RunAsync(args, "", RunLimit, Cancel);
        return new BenchOutput(code, output, error);
    }

    private sealed record BenchOutput(int ExitCode, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;

        public JsonElement Round(int target = 0, int round = 0) => Json.GetProperty("targets")[target].GetProperty("rounds")[round];

        public string Diagnostics(BenchTarget target) => $"{Out}{Error}{Environment.NewLine}{target.Diagnostics()}";
    }

    /// <summary>A server to put load on, by name, with its pid when it runs as its own process.</summary>
    private sealed class BenchTarget : IAsyncDisposable
    {
        private readonly IAsyncDisposable _server;
        private readonly Func<string> _diagnostics;

        private BenchTarget(IAsyncDisposable server, string url, int? pid, Func<string> diagnostics)
        {
            _server = server;
            Url = url;
            Pid = pid;
            _diagnostics = diagnostics;
        }

        public string Url { get; }

        public int? Pid { get; }

        public string[] PidArguments => Pid is { } pid ? ["--server-pid", $"{pid}"] : [];

        public static async Task<BenchTarget> StartAsync(string name)
        {
            switch (name)
            {
                case "ws101 serve":
                    var serve = await ServeProcess.StartAsync(Cancel);
                    return new BenchTarget(serve, serve.Url("/echo").ToString(), serve.Pid, serve.Process.Diagnostics);
                case "kestrel":
                    // In this process: its pid would count the bench's own memory and CPU, so none is given.
                    var kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);
                    return new BenchTarget(kestrel, kestrel.Url.ToString(), null, kestrel.Diagnostics);
                default:
                    IScriptedPeer peer = name == "node-ws" ? NodeWsPeer.Instance : PythonWebsocketsPeer.Instance;
                    var server = (ProcessPeerServer)await peer.StartServerAsync(cancellationToken: Cancel);
                    return new BenchTarget(server, server.Url.ToString(), server.Process.Id, server.Diagnostics);
            }
        }

        public string Diagnostics() => _diagnostics();

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
