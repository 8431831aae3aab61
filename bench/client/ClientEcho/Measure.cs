using System.Diagnostics;
using System.Globalization;

namespace Ws101.Bench.Client;

/// <summary>
/// One measurement in this process: the connections opened, loops warmed, then a window in which the messages (or
/// connections) done and this process's CPU time are counted. Prints one line, "RESULT key=value ...".
/// </summary>
internal static class Measure
{
    // A loop's count lives in its own 128-byte slot, so that loops on different threads do not share a cache line.
    private const int Stride = 16;

    public static async Task<int> EchoAsync(ClientKind kind, Uri uri, int connections, int size, double warmup, double seconds)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 60));
        var clients = new List<EchoClient>(connections);
        for (int i = 0; i < connections; i++)
        {
            clients.Add(await EchoClient.ConnectAsync(kind, uri, size, limit.Token));
        }
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        long[] counts = new long[connections * Stride];
        int wrong = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
        var loops = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            int slot = i * Stride;
            var client = clients[i];
            loops[i] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (!await client.EchoAsync(payload, limit.Token))
                    {
                        Interlocked.Increment(ref wrong);
                        return;
                    }
                    Volatile.Write(ref counts[slot], counts[slot] + 1);
                }
            });
        }
        var (messages, elapsed, cpu) = await WindowAsync(() => Sum(counts), warmup, seconds);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        foreach (var client in clients)
        {
            await client.CloseAsync(limit.Token);
            await client.DisposeAsync();
        }
        if (wrong > 0)
        {
            Console.Error.WriteLine($"{wrong} echo(es) came back different from what was sent");
            return 1;
        }
        Print(kind, "echo", size, connections, messages, elapsed, cpu);
        return 0;
    }

    public static async Task<int> ConnectAsync(ClientKind kind, Uri uri, int concurrency, double warmup, double seconds)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 60));
        long[] counts = new long[concurrency * Stride];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
        var loops = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            int slot = i * Stride;
            loops[i] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await using var client = await EchoClient.ConnectAsync(kind, uri, 4096, limit.Token);
                    await client.CloseAsync(limit.Token);
                    Volatile.Write(ref counts[slot], counts[slot] + 1);
                }
            });
        }
        var (done, elapsed, cpu) = await WindowAsync(() => Sum(counts), warmup, seconds);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        Print(kind, "connect", 0, concurrency, done, elapsed, cpu);
        return 0;
    }

    private static async Task<(long Count, TimeSpan Elapsed, TimeSpan Cpu)> WindowAsync(Func<long> count, double warmup, double seconds)
    {
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        long count0 = count();
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        // A timer may fire a little early (its clock ticks coarser than the stopwatch's); the window is at least what was asked.
        var window = TimeSpan.FromSeconds(seconds);
        for (var left = window; left > TimeSpan.Zero; left = window - Stopwatch.GetElapsedTime(start))
        {
            await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left);
        }
        long count1 = count();
        var cpu1 = Environment.CpuUsage.TotalTime;
        return (count1 - count0, Stopwatch.GetElapsedTime(start), cpu1 - cpu0);
    }

    private static long Sum(long[] counts)
    {
        long sum = 0;
        for (int i = 0; i < counts.Length; i += Stride)
        {
            sum += Volatile.Read(ref counts[i]);
        }
        return sum;
    }

    private static string Name(ClientKind kind) => kind switch
    {
        ClientKind.Ws101 => "ws101",
        ClientKind.Ws101EventLoop => "ws101-loop",
        _ => "clientwebsocket",
    };

    private static void Print(ClientKind kind, string point, int size, int connections, long count, TimeSpan elapsed, TimeSpan cpu)
    {
        var inv = CultureInfo.InvariantCulture;
        double perSecond = count / elapsed.TotalSeconds;
        double cpuMicros = count == 0 ? double.NaN : cpu.TotalMicroseconds / count;
        Console.WriteLine(string.Create(inv,
            $"RESULT client={Name(kind)} point={point} size={size} connections={connections} count={count} seconds={elapsed.TotalSeconds:0.000} cores={cpu.TotalSeconds / elapsed.TotalSeconds:0.000} per_s={perSecond:0} cpu_us={cpuMicros:0.000}"));
    }
}
