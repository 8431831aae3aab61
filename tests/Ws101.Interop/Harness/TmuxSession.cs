using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Ws101.Interop.Harness;

/// <summary>
/// A detached tmux session running one command in a real terminal, for tests that use a program as a person
/// does: type keys, read the screen. The session lives on its own tmux server (<c>tmux -S</c> with a socket
/// file of its own in the temp directory), so nothing else's sessions are seen or touched; disposal kills
/// exactly that server and deletes its socket.
/// </summary>
public sealed class TmuxSession : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private readonly string _socket;

    private TmuxSession(string socket, string name)
    {
        _socket = socket;
        Name = name;
    }

    /// <summary>The session's name.</summary>
    public string Name { get; }

    /// <summary>The tmux program; <c>WS101_TMUX</c> overrides it.</summary>
    public static string Program => Environment.GetEnvironmentVariable("WS101_TMUX") is { Length: > 0 } tmux ? tmux : "tmux";

    /// <summary>Starts <paramref name="shellCommand"/> (run by <c>sh -c</c>) in a new detached session of <paramref name="columns"/> × <paramref name="rows"/>.</summary>
    public static async Task<TmuxSession> StartAsync(string shellCommand, int columns = 200, int rows = 50, CancellationToken cancellationToken = default)
    {
        string id = Guid.NewGuid().ToString("N")[..10];
        var session = new TmuxSession(Path.Combine(Path.GetTempPath(), $"ws101-tmux-{id}"), $"ws101-{id}");
        await session.RunAsync(["new-session", "-d", "-s", session.Name, "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), "sh", "-c", shellCommand], cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    public async Task SendLineAsync(string text, CancellationToken cancellationToken = default)
    {
        await RunAsync(["send-keys", "-t", Name, "-l", text], cancellationToken).ConfigureAwait(false);
        await RunAsync(["send-keys", "-t", Name, "Enter"], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Presses a key by its tmux name (<c>C-c</c> for Ctrl+C, <c>Enter</c>).</summary>
    public Task PressAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync(["send-keys", "-t", Name, key], cancellationToken);

    /// <summary>The visible screen and its scrollback, as text.</summary>
    public Task<string> CaptureAsync(CancellationToken cancellationToken = default) =>
        RunAsync(["capture-pane", "-p", "-J", "-S", "-200", "-t", Name], cancellationToken);

    /// <summary>Polls the screen until a line matches <paramref name="pattern"/>; returns that line, or fails with the screen after <paramref name="timeout"/> (default <see cref="PeerTimeouts.Step"/>).</summary>
    public async Task<string> WaitForLineAsync(string pattern, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? PeerTimeouts.Step;
        string screen = "";
        while (clock.Elapsed < limit)
        {
            screen = await CaptureAsync(cancellationToken).ConfigureAwait(false);
            string? line = screen.Split('\n').Select(l => l.TrimEnd()).FirstOrDefault(regex.IsMatch);
            if (line is not null)
            {
                return line;
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"tmux session {Name}: no line matching /{pattern}/ ({description}) within {limit.TotalSeconds:0.#} s. Screen:{Environment.NewLine}{screen}");
    }

    private async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-S");
        info.ArgumentList.Add(_socket);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Program}");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"`{Program} {string.Join(' ', info.ArgumentList)}` did not finish within {CommandTimeout.TotalSeconds} s");
        }
        string output = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{Program} {string.Join(' ', info.ArgumentList)}` exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
        }
        return output;
    }

    /// <summary>Kills this session's own tmux server (and with it the session and the command it runs).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(["kill-session", "-t", Name], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone (the command ended and the session with it).
        }
        try
        {
            await RunAsync(["kill-server"], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }
        File.Delete(_socket);
    }
}
