using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ws101.Tests.PubSub;

/// <summary>
/// A Redis Cluster of our own on 127.0.0.1: six <c>redis-server</c> processes in cluster mode (three masters, one
/// replica each), created with <c>redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes</c>, without
/// persistence, each stopped by its pid. The node timeout is short (1 s) so that a failover takes seconds.
/// </summary>
internal sealed class RedisClusterProcess : IAsyncDisposable
{
    /// <summary>Milliseconds a master may be unreachable before its replica is promoted.</summary>
    public const int NodeTimeoutMs = 1000;

    private readonly string _dir;
    private readonly Dictionary<int, Process> _processes = [];

    private RedisClusterProcess(string dir, int[] ports)
    {
        _dir = dir;
        Ports = ports;
    }

    /// <summary>The six ports (the cluster bus of each is the port + 10000).</summary>
    public int[] Ports { get; }

    /// <summary>Every node, as a StackExchange.Redis configuration string.</summary>
    public string Configuration => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"));

    public static async Task<RedisClusterProcess> StartAsync(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("ws101-cluster-").FullName;
        var cluster = new RedisClusterProcess(dir, FreePorts(6));
        try
        {
            foreach (int port in cluster.Ports)
            {
                cluster.Start(port);
            }
            foreach (int port in cluster.Ports)
            {
                await WaitAsync(async () => await CommandAsync(port, ct, "PING") is "PONG", TimeSpan.FromSeconds(10), $"redis-server on {port}", ct);
            }
            var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            create.ArgumentList.Add("--cluster");
            create.ArgumentList.Add("create");
            foreach (int port in cluster.Ports)
            {
                create.ArgumentList.Add($"127.0.0.1:{port}");
            }
            foreach (var arg in new[] { "--cluster-replicas", "1", "--cluster-yes" })
            {
                create.ArgumentList.Add(arg);
            }
            using (var cli = Process.Start(create)!)
            {
                var output = cli.StandardOutput.ReadToEndAsync(ct);
                var errors = cli.StandardError.ReadToEndAsync(ct);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(TimeSpan.FromSeconds(30));
                await cli.WaitForExitAsync(limit.Token);
                if (cli.ExitCode != 0)
                {
                    throw new InvalidOperationException($"redis-cli --cluster create failed ({cli.ExitCode}): {await output} {await errors}");
                }
            }
            // Every node sees every slot served and knows all six nodes.
            foreach (int port in cluster.Ports)
            {
                await WaitAsync(async () =>
                {
                    string info = (string)(await CommandAsync(port, ct, "CLUSTER", "INFO"))!;
                    return info.Contains("cluster_state:ok", StringComparison.Ordinal) && info.Contains("cluster_known_nodes:6", StringComparison.Ordinal);
                }, TimeSpan.FromSeconds(20), $"cluster_state:ok on {port}", ct);
            }
            // Every replica has synced with its master (else it could not take over).
            foreach (int port in cluster.Ports)
            {
                await WaitAsync(async () =>
                {
                    string info = (string)(await CommandAsync(port, ct, "INFO", "replication"))!;
                    return info.Contains("role:master", StringComparison.Ordinal) || info.Contains("master_link_status:up", StringComparison.Ordinal);
                }, TimeSpan.FromSeconds(20), $"replica on {port} in sync", ct);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private void Start(int port)
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var arg in new[]
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
            "--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}.conf", "--cluster-node-timeout", NodeTimeoutMs.ToString(),
            // Replicas sync at once (the diskless sync would wait 5 s for more replicas), and may take over however long ago
            // they last heard from their master, so that a failover right after the start works.
            "--repl-diskless-sync-delay", "0", "--cluster-replica-validity-factor", "0",
            "--dir", _dir,
        })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (is it installed? test.sh installs it)");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[port] = process;
    }

    /// <summary>The port of the master serving <paramref name="slot"/>, as the node on <paramref name="askPort"/> sees it.</summary>
    public async Task<int> MasterOfSlotAsync(int slot, CancellationToken ct, int? askPort = null)
    {
        foreach (int port in askPort is { } p ? [p] : Ports.Where(IsRunning))
        {
            var slots = (object?[])(await CommandAsync(port, ct, "CLUSTER", "SLOTS"))!;
            foreach (object?[] range in slots.Cast<object?[]>())
            {
                if ((long)range[0]! <= slot && slot <= (long)range[1]!)
                {
                    return (int)(long)((object?[])range[2]!)[1]!;
                }
            }
        }
        throw new InvalidOperationException($"no node serves slot {slot}");
    }

    /// <summary>The ports of the masters that serve slots now.</summary>
    public async Task<int[]> MastersAsync(CancellationToken ct)
    {
        var slots = (object?[])(await CommandAsync(Ports.First(IsRunning), ct, "CLUSTER", "SLOTS"))!;
        return slots.Cast<object?[]>().Select(r => (int)(long)((object?[])r[2]!)[1]!).Distinct().Order().ToArray();
    }

    public bool IsRunning(int port) => _processes.TryGetValue(port, out var p) && !p.HasExited;

    /// <summary>Kills one node with SIGKILL (our own child, by its pid) and waits until it is gone.</summary>
    public void Kill(int port)
    {
        if (_processes.Remove(port, out var process))
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            process.Dispose();
        }
    }

    /// <summary>The hash slot of a key or shard channel (CRC16 mod 16384, with hash tags), as the cluster computes it.</summary>
    public async Task<int> KeySlotAsync(string key, CancellationToken ct) =>
        (int)(long)(await CommandAsync(Ports.First(IsRunning), ct, "CLUSTER", "KEYSLOT", key))!;

    public Task<object?> CommandAsync(int port, params string[] args) => CommandAsync(port, CancellationToken.None, args);

    private static async Task<object?> CommandAsync(int port, CancellationToken ct, params string[] args)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(5));
        return await RedisWire.CommandAsync(port, args, limit.Token);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan limit, string what, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"not within {limit.TotalSeconds} s: {what}");
            }
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Ports where both the port and its cluster bus (port + 10000) are free.</summary>
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        var held = new List<TcpListener>();
        try
        {
            for (int attempt = 0; ports.Count < count && attempt < 200; attempt++)
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                held.Add(probe);
                int port = ((IPEndPoint)probe.LocalEndpoint).Port;
                if (port + 10000 > 65535)
                {
                    continue;
                }
                try
                {
                    var bus = new TcpListener(IPAddress.Loopback, port + 10000);
                    bus.Start();
                    held.Add(bus);
                    ports.Add(port);
                }
                catch (SocketException)
                {
                }
            }
        }
        finally
        {
            foreach (var listener in held)
            {
                listener.Stop();
            }
        }
        return ports.Count == count ? [.. ports] : throw new InvalidOperationException("could not find free ports for a cluster");
    }

    public ValueTask DisposeAsync()
    {
        foreach (int port in _processes.Keys.ToArray())
        {
            Kill(port);
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
