using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ws101.Tests.PubSub;

/// <summary>
/// A redis-server of our own on 127.0.0.1 and a free port, without persistence (<c>--save '' --appendonly no</c>),
/// stopped by its pid. Installed by test.sh (WS101_TEST_DEPS).
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = NotStarted();
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
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" })
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
            catch (Exception ex) when (ex is SocketException or IOException && deadline.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
            }
            await Task.Delay(20);
        }
    }

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
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = client.GetStream();
        var sb = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), cts.Token);
        return await ReadReplyAsync(stream, cts.Token);
    }

    /// <summary>Publishes raw bytes on a channel (to test what a node does with garbage); returns the receivers.</summary>
    public async Task<long> PublishRawAsync(string channel, byte[] payload)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = client.GetStream();
        var head = Encoding.UTF8.GetBytes($"*3\r\n$7\r\nPUBLISH\r\n${Encoding.UTF8.GetByteCount(channel)}\r\n{channel}\r\n${payload.Length}\r\n");
        await stream.WriteAsync(head.Concat(payload).Concat("\r\n"u8.ToArray()).ToArray(), cts.Token);
        return (long)(await ReadReplyAsync(stream, cts.Token))!;
    }

    private static async Task<object?> ReadReplyAsync(Stream stream, CancellationToken ct)
    {
        string line = await ReadLineAsync(stream, ct);
        switch (line[0])
        {
            case '+':
                return line[1..];
            case '-':
                throw new InvalidOperationException("redis: " + line[1..]);
            case ':':
                return long.Parse(line[1..]);
            case '$':
                int length = int.Parse(line[1..]);
                if (length < 0)
                {
                    return null;
                }
                var data = new byte[length + 2];
                await stream.ReadExactlyAsync(data, ct);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                int count = int.Parse(line[1..]);
                var items = new object?[Math.Max(count, 0)];
                for (int i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync(stream, ct);
                }
                return items;
            default:
                throw new InvalidOperationException("redis: unexpected reply " + line);
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, ct);
            if (one[0] == '\n' && sb.Length > 0 && sb[^1] == '\r')
            {
                return sb.ToString(0, sb.Length - 1);
            }
            sb.Append((char)one[0]);
        }
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
        return ValueTask.CompletedTask;
    }
}
