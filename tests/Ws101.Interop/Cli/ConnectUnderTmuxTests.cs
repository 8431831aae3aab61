using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// The interactive <c>ws101 connect</c> as a person uses it: the real CLI (Ws101.Cli.dll, run by <c>dotnet</c>)
/// in a tmux terminal, keys typed and the screen read, against our echo server.
/// </summary>
public sealed class ConnectUnderTmuxTests
{
    private const string Time = @"\d\d:\d\d:\d\d\.\d{3}";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_person_types_a_line_sees_its_echo_pings_and_closes_with_1000_bye()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{Quote(DotnetHost())} {Quote(CliAssembly())} connect {server.Url("/echo")}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

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
            $"{Quote(DotnetHost())} {Quote(CliAssembly())} connect {server.Url("/bye")}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync(@"^Connected to ws://", "the greeting", cancellationToken: Cancel);
        await terminal.SendLineAsync("one", Cancel);
        await terminal.WaitForLineAsync($"^< {Time} text 3 B: one$", "the first echo", cancellationToken: Cancel);
        await terminal.SendLineAsync("two", Cancel);

        await terminal.WaitForLineAsync($"^< {Time} close 4000 bye$", "the server's close", cancellationToken: Cancel);
        await terminal.WaitForLineAsync("^Closed: 4000 bye$", "the session's end", TimeSpan.FromSeconds(10), Cancel);
        await terminal.WaitForLineAsync(@"^ws101 exited \d+$", "the CLI's exit, with no line typed after the close", TimeSpan.FromSeconds(10), Cancel);
    }

    [Fact]
    public async Task a_person_connecting_to_a_broken_server_reads_the_diagnosis_and_gets_exit_code_1()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.Sha256Accept);
        await using TmuxSession terminal = await TmuxSession.StartAsync(
            $"{Quote(DotnetHost())} {Quote(CliAssembly())} connect {server.Url}; echo \"ws101 exited $?\"; sleep 60", cancellationToken: Cancel);

        await terminal.WaitForLineAsync("^ws101 exited 1$", "the exit code", cancellationToken: Cancel);
        string screen = await terminal.CaptureAsync(Cancel);
        Assert.Contains("the handshake failed", screen, StringComparison.Ordinal);
        Assert.Contains("[accept-mismatch]", screen, StringComparison.Ordinal);
        Assert.Contains("SHA-256", screen, StringComparison.Ordinal);
    }

    /// <summary>The <c>dotnet</c> that runs this test (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The CLI as built: the project reference copies Ws101.Cli.dll and its runtimeconfig next to this assembly.</summary>
    private static string CliAssembly()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Ws101.Cli.dll");
        Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"the built CLI is not at {path}");
        return path;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
