using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// The interactive <c>ws101 connect</c> (and <c>ws101 serve</c>) as a person uses it: the real CLI (Ws101.Cli.dll, run by <c>dotnet</c>)
/// in a tmux terminal, keys typed and the screen read.
/// </summary>
public sealed class CliInATerminalTests
{
    private const string Time = @"\d\d:\d\d:\d\d\.\d{3}";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_person_types_a_line_sees_its_echo_pings_and_closes_with_1000_bye()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{CliProgram.ShellCommand("connect", server.Url("/echo").ToString())}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync(@"^Connected to ws://127\.0\.0\.1:\d+/echo\. Type a line", "the greeting", cancellationToken: Cancel);
        await terminal.SendLineAsync("hello from tmux", Cancel);
        await terminal.WaitForLineAsync($"^> {Time} text 15 B: hello from tmux$", "the line sent", cancellationToken: Cancel);
        await terminal.WaitForLineAsync($"^< {Time} text 15 B: hello from tmux$", "its echo", cancellationToken: Cancel);
        await terminal.SendLineAsync("/ping", Cancel);
        await terminal.WaitForLineAsync($@"^< {Time} pong after \d+(\.\d+)? ms$", "the pong", cancellationToken: Cancel);
        await terminal.SendLineAsync("/close 1000 bye", Cancel);
        await terminal.WaitForLineAsync($"^> {Time} close 1000 bye$", "the close sent", cancellationToken: Cancel);
        // The server's reply echoes the status code it received (RFC 6455 §5.5.1), without the reason; the CLI prints what it received.
        await terminal.WaitForLineAsync($"^< {Time} close 1000$", "the server's reply", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^Closed: 1000$", "the closing handshake done", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^ws101 exited 0$", "the exit code", cancellationToken: Cancel);

        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the CLI's close", cancellationToken: Cancel);
        Assert.Equal((1000, "bye"), (close.Code, close.Reason));
        Assert.Equal("hello from tmux".Length, server.Events.Single(e => e.Kind == PeerEventKind.Message).Length);
    }

    [Fact]
    public async Task when_the_server_closes_the_session_ends_without_waiting_for_another_line()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{CliProgram.ShellCommand("connect", server.Url("/bye").ToString())}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync(@"^Connected to ws://", "the greeting", cancellationToken: Cancel);
        await terminal.SendLineAsync("one", Cancel);
        await terminal.WaitForLineAsync($"^< {Time} text 3 B: one$", "the first echo", cancellationToken: Cancel);
        await terminal.SendLineAsync("two", Cancel);

        await terminal.WaitForLineAsync($"^< {Time} close 4000 bye$", "the server's close", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^Closed: 4000 bye$", "the session's end", TimeSpan.FromSeconds(10), Cancel);
        await terminal.WaitForLineAsync(@"^ws101 exited \d+$", "the CLI's exit, with no line typed after the close", TimeSpan.FromSeconds(10), Cancel);
    }

    [Fact]
    public async Task ws101_serve_in_a_terminal_serves_node_and_stops_on_ctrl_c_closing_it_with_1001()
    {
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            // The shell traps SIGINT (the child gets it with the default action back), so Ctrl+C stops ws101 and the shell lives on to print its exit code.
            $"trap true INT; {CliProgram.ShellCommand("serve", "--port", "0", "-v")}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);
        string banner = await terminal.WaitForLineAsync(@"^ws101 serve: ws://127\.0\.0\.1:\d+/echo ", "the listening banner", cancellationToken: Cancel);
        var echo = new Uri(banner.Split(' ')[2]);

        Task<PeerTranscript> running = NodeWsPeer.Instance.RunClientAsync(echo, new PeerScript().WaitClose(), Cancel);
        await terminal.WaitForLineAsync(@"info  Upgraded 127\.0\.0\.1:\d+ on /echo over HTTP/1\.1$", "the upgrade logged", cancellationToken: Cancel);
        await terminal.PressAsync("C-c", Cancel);
        PeerTranscript run = await running;

        run.EnsureSucceeded();
        Assert.Equal(1001, run.Close!.Code);
        await terminal.WaitForLineAsync(@"Stopping: closing 1 connection\(s\) with 1001\.$", "the stop", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^ws101 exited 0$", "a clean exit", cancellationToken: Cancel);
    }

    [Fact]
    public async Task a_person_connecting_to_a_broken_server_reads_the_diagnosis_and_gets_exit_code_1()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.Sha256Accept);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{CliProgram.ShellCommand("connect", server.Url.ToString())}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync("^ws101 exited 1$", "the exit code", cancellationToken: Cancel);
        string screen = await terminal.CaptureAsync(Cancel);
        Assert.Contains("the handshake failed", screen, StringComparison.Ordinal);
        Assert.Contains("[accept-mismatch]", screen, StringComparison.Ordinal);
        Assert.Contains("SHA-256", screen, StringComparison.Ordinal);
    }
}
