namespace Ws101.Tests.Cli.Bench;

/// <summary>
/// Every <c>ws101 bench</c> option is bounded, and a wrong one stops the command before any socket opens: exit 2 and a
/// message that names the option and what is allowed.
/// </summary>
public class BenchArgumentsTests
{
    public static TheoryData<string[], string> Refused() => new()
    {
        { ["bench", "echo", "http://127.0.0.1:1/"], "is not a ws:// or wss:// URL" },
        { ["bench", "idle", "wss://127.0.0.1:1/"], "over wss:// ws101 bench measures echo and handshakes only" },
        { ["bench", "fanout", "wss://127.0.0.1:1/"], "over wss:// ws101 bench measures echo and handshakes only" },
        { ["bench", "idle", "ws://127.0.0.1:1/", "--insecure"], "Unrecognized command or argument '--insecure'" },
        { ["bench", "echo", "ws://127.0.0.1:1/#x"], "has no fragment" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-c", "0"], "--connections must be at least 1" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-c", "1000000"], "the file limit of this process allows" },
        { ["bench", "fanout", "ws://127.0.0.1:1/", "-c", "1000000"], "needs 1,000,001 sockets" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-d", "0"], "--duration must be above 0 and at most 3,600 seconds" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-d", "3601"], "--duration must be above 0 and at most 3,600 seconds" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-w", "-1"], "--warmup must be between 0 and 3,600 seconds" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-s", "-1"], "--size must be between 0 and 16,777,216 bytes" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-s", "16777217"], "--size must be between 0 and 16,777,216 bytes" },
        { ["bench", "fanout", "ws://127.0.0.1:1/", "-s", "15"], "--size must be between 16 and" },
        { ["bench", "fanout", "ws://127.0.0.1:1/", "-s", "20", "--text"], "--size must be between 32 and" },
        { ["bench", "fanout", "ws://127.0.0.1:1/", "--rate", "0"], "--rate must be between 1 and 1,000,000" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--threads", "0"], "--threads must be between 1 and" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--threads", "1000"], "--threads must be between 1 and" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--timeout", "0"], "--timeout must be above 0" },
        { ["bench", "handshakes", "ws://127.0.0.1:1/", "--source-addresses", "251"], "--source-addresses must be between 0 and 250" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--rounds", "51"], "--rounds must be between 1 and 50" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-d", "3600", "-w", "3600", "--rounds", "3"], "the limit is 4 hours" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--server-pid", "999999999"], "--server-pid: there is no process 999999999" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--compare-server-pid", "1"], "--compare-server-pid needs --compare" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--compare", "ftp://x/"], "--compare: 'ftp://x/' is not a ws:// or wss:// URL" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--plot", "out.svg"], "--plot writes a PNG" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "--plot", "/no/such/folder/out.png"], "--plot: the folder '/no/such/folder' does not exist" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-H", "no colon"], "A header is \"Name: value\"" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-H", "Sec-WebSocket-Key: x"], "is set by the handshake itself" },
        { ["bench", "echo", "ws://no-such-host.invalid/"], "does not resolve" },
        { ["bench", "echo", "ws://127.0.0.1:1/", "-d", "ten"], "--duration: 'ten' is not a number." },
        { ["bench", "idle", "ws://127.0.0.1:1/", "--plot", "x.png"], "Unrecognized command or argument '--plot'" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void a_wrong_option_exits_2_with_a_message_naming_it_before_any_connection(string[] args, string message)
    {
        var r = CliRunner.Run(null, args);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error, StringComparison.Ordinal);
        // No run began: its report names the target (the usage printed after the error says only "<url>"). Run in-process,
        // the usage is headed by the test host's name; run as the ws101 binary, by "ws101 bench", so that is no sign.
        Assert.DoesNotContain("ws://127.0.0.1:1/", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void each_mode_has_its_own_help()
    {
        foreach (string mode in new[] { "echo", "handshakes", "idle", "fanout" })
        {
            var r = CliRunner.Run(null, "bench", mode, "--help");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("--connections", r.Out, StringComparison.Ordinal);
            Assert.Contains("--compare", r.Out, StringComparison.Ordinal);
            Assert.Equal(mode is "echo" or "fanout", r.Out.Contains("--size", StringComparison.Ordinal));
            Assert.Equal(mode == "fanout", r.Out.Contains("--rate", StringComparison.Ordinal));
        }
    }
}
