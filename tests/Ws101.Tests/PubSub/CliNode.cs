using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ws101.Tests.PubSub;

/// <summary>A <c>ws101 serve --redis</c> process on a free port, stopped by its pid.</summary>
internal sealed class CliNode : IDisposable
{
    private readonly Process _process;

    private CliNode(Process process, int port, ConcurrentQueue<string> lines)
    {
        _process = process;
        Port = port;
        Lines = lines;
    }

    public int Port { get; }

    /// <summary>Every line the node printed so far.</summary>
    public ConcurrentQueue<string> Lines { get; }

    public bool HasExited => _process.HasExited;

    public static Task<CliNode> StartAsync(string redis, CancellationToken ct, params string[] more) => StartAsync(redis, 0, ct, more);

    /// <summary>On <paramref name="port"/> (0: a free one), with more options of <c>ws101 serve</c>.</summary>
    public static async Task<CliNode> StartAsync(string redis, int port, CancellationToken ct, params string[] more)
    {
        // The build's apphost beside this assembly, or the executable WS101_CLI names (the Native AOT binary).
        var info = new ProcessStartInfo(Cli.CliRunner.Executable ?? Path.Combine(AppContext.BaseDirectory, "Ws101.Cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis", redis, "--quiet" }.Concat(more))
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } printed)
            {
                lines.Enqueue(printed);
            }
            if (e.Data is { } line && line.StartsWith("ws101 serve: ws://", StringComparison.Ordinal))
            {
                var hostPort = line["ws101 serve: ws://".Length..].Split('/')[0];
                listening.TrySetResult(int.Parse(hostPort[(hostPort.LastIndexOf(':') + 1)..]));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new CliNode(process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct), lines);
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it: no close frames, no goodbye to Redis.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit(5000);
    }

    /// <summary>SIGSTOP, as a hung process (a long GC pause, a stuck disk, a debugger): its sockets stay open, nothing is answered.</summary>
    public void Pause() => ProcessSignals.Send(_process.Id, ProcessSignals.SigStop);

    /// <summary>SIGCONT: the frozen process goes on from where it was.</summary>
    public void Resume() => ProcessSignals.Send(_process.Id, ProcessSignals.SigCont);

    /// <summary>Kills the process (SIGKILL, by its own handle); once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }

    private int _disposed;
}
