using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ws101.Tests.PubSub;

/// <summary>
/// A redis-server of our own on 127.0.0.1 and a free port, without persistence (<c>--save '' --appendonly no</c>),
/// stopped by its pid. Installed by test.sh (WS101_TEST_DEPS).
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    // With persistence: an append-only file fsynced at every write, in a folder of its own, so that a kill loses nothing acknowledged.
    private string? _dir;

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync(bool persistent = false)
    {
        var redis = NotStarted();
        if (persistent)
        {
            redis._dir = Directory.CreateTempSubdirectory("ws101-redis-").FullName;
        }
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>A free port where Redis will run once <see cref="RestartAsync"/> is called.</summary>
    public static RedisProcess NotStarted()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new RedisProcess(port);
    }

    /// <summary>Starts (again) on the same port, and waits until it answers PING (at most 10 s).</summary>
    public async Task RestartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = _dir is null ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always", "--dir", _dir];
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--loglevel", "warning" }.Concat(persistence))
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (is it installed? test.sh installs it)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await CommandAsync("PING") is "PONG")
                {
                    return;
                }
            }
            catch (Exception ex) when ((ex is SocketException or IOException || IsLoading(ex)) && deadline.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
            }
            await Task.Delay(20);
        }
    }

    // A Redis started from its append-only file answers "-LOADING" until the file is read back: not up yet.
    private static bool IsLoading(Exception ex) => ex is InvalidOperationException && ex.Message.Contains("LOADING", StringComparison.Ordinal);

    /// <summary>Kills the server (SIGKILL to our own pid) and waits for it to be gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(5000);
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Freezes the server (SIGSTOP): its connections stay open and nothing is answered, as with a hung Redis.</summary>
    public void Pause() => ProcessSignals.Send(_process!.Id, ProcessSignals.SigStop);

    /// <summary>Lets a frozen server go on (SIGCONT): it then works through everything that was sent to it meanwhile.</summary>
    public void Resume() => ProcessSignals.Send(_process!.Id, ProcessSignals.SigCont);

    /// <summary>Sends one command and returns its reply: a string, a long, null, or an object[] for arrays.</summary>
    public async Task<object?> CommandAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await RedisWire.CommandAsync(Port, args, cts.Token);
    }

    /// <summary>Publishes raw bytes on a channel (to test what a node does with garbage); returns the receivers.</summary>
    public async Task<long> PublishRawAsync(string channel, byte[] payload)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return (long)(await RedisWire.CommandAsync(Port, ["PUBLISH", channel], payload, cts.Token))!;
    }

    /// <summary>Subscribers Redis counts for a channel (PUBSUB NUMSUB).</summary>
    public async Task<long> SubscribersAsync(string channel)
    {
        var reply = (object?[])(await CommandAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)reply[1]!;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        if (_dir is not null)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return ValueTask.CompletedTask;
    }
}
