using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ScaleBench;

/// <summary>A child process of the bench (a node or redis-server) with its output lines kept, stopped by its own pid.</summary>
internal sealed partial class Child : IDisposable
{
    private readonly Process _process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public string Name { get; }

    public int Pid => _process.Id;

    private Child(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public static Child Start(string name, string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var child = new Child(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l) child.Lines.Enqueue(l); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) child.Lines.Enqueue(l); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGTERM, then waits up to <paramref name="limit"/> for a clean exit (SIGKILL after that).</summary>
    public void Stop(TimeSpan limit)
    {
        if (_process.HasExited)
        {
            return;
        }
        _ = Kill(_process.Id, 15);
        if (!_process.WaitForExit(limit))
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.WaitForExit();
    }

    /// <summary>SIGKILL: a crash.</summary>
    public void Crash()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Crash();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Waits until this child listens on HOST:PORT; if it exits first or does not within <paramref name="limit"/>, says so with its last lines.</summary>
    public async Task WaitListeningAsync(string host, int port, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(host, port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < limit && !HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException(
                    $"{Name} did not listen on {host}:{port} {(HasExited ? "and exited" : $"within {limit.TotalSeconds} s")}; its last lines: {string.Join(" | ", Lines.TakeLast(5))}", ex);
            }
        }
    }

    public static int FreePort(string host = "127.0.0.1")
    {
        var l = new TcpListener(System.Net.IPAddress.Parse(host), 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
