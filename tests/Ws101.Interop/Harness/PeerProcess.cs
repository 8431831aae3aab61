using System.Diagnostics;
using System.Text;

namespace Ws101.Interop.Harness;

/// <summary>
/// A child process that a test started: its stdout and stderr captured line by line, a hard lifetime
/// after which it is killed, and a stop that ends only this process (through its own handle, never by name).
/// </summary>
/// <remarks>
/// Only the started process is killed, not processes it started in turn; a shell wrapper should
/// <c>exec</c> its program, or an orphan may outlive the test and hold the output pipes open.
/// </remarks>
public sealed class PeerProcess : IAsyncDisposable
{
    private const int TailLines = 40;

    private readonly Process _process;
    private readonly WaitableLog<string> _stdout = new();
    private readonly WaitableLog<string> _stderr = new();
    private readonly CancellationTokenSource _lifetime;
    private readonly string _commandLine;
    private readonly TaskCompletionSource _stdoutEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private int? _exitCode;
    private int _pid;

    private PeerProcess(string name, Process process, string commandLine, TimeSpan lifetime)
    {
        Name = name;
        _process = process;
        _commandLine = commandLine;
        _lifetime = new CancellationTokenSource(lifetime);
        _lifetime.Token.Register(() =>
        {
            if (_exitCode is null && _disposed == 0)
            {
                KilledAfter = lifetime;
                Kill();
            }
        });
    }

    /// <summary>A short name for messages ("node-ws server", "python client").</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _pid;

    /// <summary>Set when the hard lifetime ran out and the harness killed the process.</summary>
    public TimeSpan? KilledAfter { get; private set; }

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> StdoutLines => _stdout.Snapshot();

    /// <summary>The stderr lines so far.</summary>
    public IReadOnlyList<string> StderrLines => _stderr.Snapshot();

    /// <summary>True once the process has exited (also after disposal).</summary>
    public bool HasExited => _exitCode is not null;

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => _exitCode;

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/> (passed as an argument list,
    /// never through a shell). Its stdin stays open as a pipe until <see cref="CloseStandardInput"/> or
    /// disposal; the peers here treat the end of stdin as the signal to stop.
    /// </summary>
    /// <param name="name">A short name for messages.</param>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="lifetime">The hard limit; the process is killed when it runs out. Default <see cref="PeerTimeouts.ProcessLifetime"/>.</param>
    /// <param name="workingDirectory">The working directory, or null for the current one.</param>
    /// <param name="environment">Extra environment variables.</param>
    public static PeerProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? lifetime = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> variable in environment)
            {
                info.Environment[variable.Key] = variable.Value;
            }
        }
        string commandLine = string.Join(' ', info.ArgumentList.Prepend(fileName).Select(Quote));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(name, process, commandLine, lifetime ?? PeerTimeouts.ProcessLifetime);
        process.OutputDataReceived += (_, e) => peer.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnStderr(e.Data);
        process.Exited += (_, _) => peer._exitCode = process.ExitCode;
        try
        {
            process.Start();
        }
        catch (Exception e)
        {
            peer._lifetime.Dispose();
            process.Dispose();
            throw new InvalidOperationException($"{name}: could not start `{commandLine}`: {e.Message}", e);
        }
        peer._pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Waits for a stdout line that matches, failing with the process's output after <paramref name="timeout"/> or when stdout ends first.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _stdout.WaitForAsync(match, $"{Name}: {description}", timeout ?? PeerTimeouts.Step, Diagnostics, cancellationToken);

    /// <summary>
    /// Waits for the process to exit and for its output to be read to the end, and returns its exit code.
    /// When it does not exit within <paramref name="timeout"/>, kills it and throws a <see cref="TimeoutException"/> with its output.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        TimeSpan limit = timeout ?? PeerTimeouts.Run;
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(_stdoutEnded.Task, _stderrEnded.Task).WaitAsync(PeerTimeouts.GracefulStop, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{Name} did not exit within {limit.TotalSeconds:0.#} s and was killed.{Environment.NewLine}{Diagnostics()}");
        }
        _exitCode = _process.ExitCode;
        return _process.ExitCode;
    }

    /// <summary>Closes the process's stdin, which the peer scripts here take as "stop now".</summary>
    public void CloseStandardInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Already gone: nothing to signal.
        }
    }

    /// <summary>Kills this process (only this one, through its own handle) if it is still running.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // It exited between the check and the kill, or was never started.
        }
    }

    /// <summary>The command line, exit state, and the last lines of stderr and stdout, for assertion messages.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        text.Append("--- ").Append(Name).Append(" (pid ").Append(SafeId()).Append("): ").AppendLine(_commandLine);
        text.Append("    state: ").AppendLine(State());
        AppendTail(text, "stderr", _stderr.Snapshot());
        AppendTail(text, "stdout", _stdout.Snapshot());
        return text.ToString();
    }

    /// <summary>Closes stdin, gives the process <see cref="PeerTimeouts.GracefulStop"/> to exit, then kills it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        CloseStandardInput();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(PeerTimeouts.GracefulStop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Kill();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(PeerTimeouts.GracefulStop).ConfigureAwait(false);
            }
            catch (Exception again) when (again is TimeoutException or InvalidOperationException)
            {
                // Killed but not yet reaped; the OS finishes it.
            }
        }
        try
        {
            _exitCode ??= _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Never started, or not yet reaped.
        }
        // Disposing (not cancelling) stops the lifetime timer without running its kill callback.
        _lifetime.Dispose();
        _process.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (pid {SafeId()})";

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _stdout.Complete($"{Name} closed its stdout ({State()})");
            _stdoutEnded.TrySetResult();
            return;
        }
        _stdout.Add(line);
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            _stderr.Complete($"{Name} closed its stderr");
            _stderrEnded.TrySetResult();
            return;
        }
        _stderr.Add(line);
    }

    private string State()
    {
        if (_exitCode is not { } code)
        {
            return _disposed == 0 ? "running" : "disposed";
        }
        string exit = $"exited with code {code}";
        return KilledAfter is { } after ? $"{exit} (killed by the harness after its {after.TotalSeconds:0.#} s lifetime)" : exit;
    }

    private string SafeId() => _pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AppendTail(StringBuilder text, string stream, IReadOnlyList<string> lines)
    {
        int skip = Math.Max(0, lines.Count - TailLines);
        text.Append("    ").Append(stream).Append(skip > 0 ? $" (last {TailLines} of {lines.Count} lines)" : $" ({lines.Count} lines)").AppendLine(":");
        foreach (string line in lines.Skip(skip))
        {
            text.Append("      ").AppendLine(line.Length > 400 ? line[..400] + "…" : line);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
