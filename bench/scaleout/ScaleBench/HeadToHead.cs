using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ScaleBench;

/// <summary>
/// The head-to-head: the same three-node scenario on one Redis, for Ws101 topics (without and with history, and with the
/// publish backlog: <c>--redis-backlog</c>) and for
/// ASP.NET Core SignalR with its Redis backplane. Subscribers on every node, one publisher on the first at a fixed
/// rate, Redis killed (SIGKILL) in the middle and started again; per system: delivered/s, latency, what was lost, what
/// the system knew it lost, and (Ws101 with history) what came back.
/// </summary>
internal static class HeadToHead
{
    public sealed record Options(string Ws101, string SignalR, int SubscribersPerNode, double Rate, double Seconds, double CrashAt, double Down, int History, double Backlog, string[] Systems);

    public sealed record Result(string System, long Published, int Subscribers, long Expected, long Delivered, double Rate, double P50, double P99, double Max,
        long LostDeliveries, long[] MissedPerNode, string Knew, long Duplicates, long Reordered, string Recovered, double NodeCpuMicrosPerDelivery);

    public static async Task<List<Result>> RunAllAsync(Options o)
    {
        var results = new List<Result>();
        foreach (var system in o.Systems)
        {
            Console.WriteLine($"== {system}: 3 nodes, {o.SubscribersPerNode} subscribers each, {o.Rate}/s for {o.Seconds} s, Redis killed at {o.CrashAt} s and back {o.Down} s later");
            var r = await RunAsync(system, o);
            results.Add(r);
            Console.WriteLine($"   delivered {r.Delivered} of {r.Expected} ({r.Rate:F0}/s), p50 {r.P50:F2} ms, p99 {r.P99:F2} ms, max {r.Max:F0} ms; lost {r.LostDeliveries}; nodes {r.NodeCpuMicrosPerDelivery:F1} us CPU per delivery; knew: {r.Knew}; recovered: {r.Recovered}");
        }
        return results;
    }

    private static async Task<Result> RunAsync(string system, Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds + 180));
        var ct = limit.Token;
        using var redis = new RedisServer();
        await redis.StartAsync();
        bool signalr = system == "signalr";
        bool history = system == "ws101-history";
        double backlog = system == "ws101-backlog" ? o.Backlog : 0;
        var nodes = new List<Child>();
        var ports = new int[3];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                ports[i] = Child.FreePort();
                nodes.Add(signalr
                    ? SignalRSide.StartNode(o.SignalR, "127.0.0.1", ports[i], redis.Address, $"node{i + 1}")
                    : Ws101Side.StartNode(o.Ws101, "127.0.0.1", ports[i], redis.Address, history ? o.History : 0, $"node{i + 1}", backlog));
            }
            for (int i = 0; i < 3; i++)
            {
                await nodes[i].WaitListeningAsync("127.0.0.1", ports[i], TimeSpan.FromSeconds(60));
            }
            long count = (long)(o.Rate * o.Seconds);
            int subscribers = 3 * o.SubscribersPerNode;
            var tally = new Tally(subscribers, (int)count + 1);
            Uri Url(int node) => new(signalr ? $"http://127.0.0.1:{ports[node]}/hub" : $"ws://127.0.0.1:{ports[node]}/topic/bench");
            // Subscriber i is on node i / SubscribersPerNode.
            var closers = await Run.ConnectAllAsync(subscribers, 50, i => signalr
                ? SignalRSide.SubscribeAsync(Url(i / o.SubscribersPerNode), i, tally, ct)
                : Ws101Side.SubscribeAsync(Url(i / o.SubscribersPerNode), i, tally, history, ct));
            IPublisher publisher = signalr ? await SignalRSide.Publisher.ConnectAsync(Url(0), ct) : await Ws101Side.Publisher.ConnectAsync(Url(0), ct);
            await Run.WarmUpAsync(publisher, tally, TimeSpan.FromSeconds(30));

            // The three nodes' CPU from the first scheduled publish to the last delivery: the steadiest figure on a busy machine.
            double cpuBefore = nodes.Sum(n => Run.CpuSeconds(n.Pid));
            var crash = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(o.CrashAt), ct);
                redis.Crash();
                await Task.Delay(TimeSpan.FromSeconds(o.Down), ct);
                await redis.StartAsync();
            }, ct);
            var took = await Run.PublishAtRateAsync(publisher, o.Rate, count, ct);
            await crash;
            if (publisher is SignalRSide.Publisher p)
            {
                await p.DrainAsync(TimeSpan.FromSeconds(20));
            }
            await Run.SettleAsync(tally, count * subscribers, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
            double cpu = nodes.Sum(n => Run.CpuSeconds(n.Pid)) - cpuBefore;
            foreach (var close in closers)
            {
                await close();
            }
            long failed = publisher.Failed;
            // Gone before the nodes stop, so that their close handshakes do not wait for it.
            await publisher.DisposeAsync();
            foreach (var node in nodes)
            {
                node.Stop(TimeSpan.FromSeconds(10));
            }
            var missed = Enumerable.Range(0, 3).Select(n => tally.MessagesMissedByAny(count, n * o.SubscribersPerNode, (n + 1) * o.SubscribersPerNode)).ToArray();
            string knew, recovered = "-";
            if (signalr)
            {
                long serverFailed = nodes.Sum(n => ReadSignalRFailures(n));
                knew = $"publisher told of {failed} failed publishes (hub counted {serverFailed})";
            }
            else
            {
                var stats = nodes.Select(Ws101Side.ReadStatistics).ToArray();
                knew = $"node1 counted {stats[0].Lost} lost; node2 and node3 counted {stats[1].Missed} and {stats[2].Missed} missed";
                if (backlog > 0)
                {
                    knew += $"; node1 sent {stats[0].Delayed} late and dropped {stats[0].BacklogDropped} from its backlog";
                }
                if (history)
                {
                    recovered = $"{stats[1].Recovered} and {stats[2].Recovered} on node2 and node3";
                }
            }
            double seconds = took.TotalSeconds;
            return new Result(system, count, subscribers, count * subscribers, tally.Deliveries, tally.Deliveries / seconds,
                tally.PercentileMs(50), tally.PercentileMs(99), tally.MaxMs, count * subscribers - tally.Deliveries, missed, knew, tally.Duplicates, tally.Reordered, recovered,
                cpu / Math.Max(1, tally.Deliveries) * 1e6);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    private static long ReadSignalRFailures(Child node)
    {
        foreach (var line in node.Lines.Reverse())
        {
            int at = line.IndexOf("failed ", StringComparison.Ordinal);
            if (line.StartsWith("SignalR:", StringComparison.Ordinal) && at > 0)
            {
                return long.Parse(line[(at + 7)..].TrimEnd('.'), CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    public static string Table(List<Result> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| system | delivered/s | p50 ms | p99 ms | max ms | nodes' CPU µs per delivery | lost deliveries | messages missed on node 1 / 2 / 3 | duplicates / out of order | what the system knew | recovered |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.System} | {r.Rate:N0} | {r.P50:F2} | {r.P99:F2} | {r.Max:F0} | {r.NodeCpuMicrosPerDelivery:F1} | {r.LostDeliveries:N0} of {r.Expected:N0} | {string.Join(" / ", r.MissedPerNode)} | {r.Duplicates} / {r.Reordered} | {r.Knew} | {r.Recovered} |");
        }
        return sb.ToString();
    }
}
