using System.Globalization;
using System.Text;

namespace ScaleBench;

/// <summary>
/// Ten nodes on one box: N <c>ws101 serve</c> processes on 127.0.0.11, 127.0.0.12, ... sharing one Redis, a fixed
/// number of subscribers spread over them, one publisher on the first at a fixed rate; for N = 1 to 10 (or the list
/// given): end-to-end latency p50/p99/max, the delivered rate, and the CPU the nodes and Redis used per delivery.
/// </summary>
internal static class TenNodes
{
    public sealed record Options(string Ws101, int[] NodeCounts, int Subscribers, double Rate, double Seconds);

    public sealed record Result(int Nodes, long Expected, long Delivered, double Rate, double P50, double P99, double Max, double NodeCpuMicrosPerDelivery, double RedisCpuSeconds);

    public static async Task<List<Result>> RunAllAsync(Options o)
    {
        var results = new List<Result>();
        foreach (int n in o.NodeCounts)
        {
            Console.WriteLine($"== {n} node(s), {o.Subscribers} subscribers, {o.Rate}/s for {o.Seconds} s");
            var r = await RunAsync(n, o);
            results.Add(r);
            Console.WriteLine($"   delivered {r.Delivered} of {r.Expected} ({r.Rate:F0}/s), p50 {r.P50:F2} ms, p99 {r.P99:F2} ms, max {r.Max:F1} ms, nodes {r.NodeCpuMicrosPerDelivery:F2} us CPU per delivery");
        }
        return results;
    }

    private static async Task<Result> RunAsync(int n, Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds + 300));
        var ct = limit.Token;
        using var redis = new RedisServer();
        await redis.StartAsync();
        var nodes = new List<Child>();
        var hosts = Enumerable.Range(0, n).Select(i => $"127.0.0.{11 + i}").ToArray();
        var ports = new int[n];
        try
        {
            for (int i = 0; i < n; i++)
            {
                ports[i] = Child.FreePort(hosts[i]);
                nodes.Add(Ws101Side.StartNode(o.Ws101, hosts[i], ports[i], redis.Address, 0, $"node{i + 1}"));
            }
            for (int i = 0; i < n; i++)
            {
                // Ten .NET processes starting at once on a busy two-core machine can take a while.
                await nodes[i].WaitListeningAsync(hosts[i], ports[i], TimeSpan.FromSeconds(90));
            }
            long count = (long)(o.Rate * o.Seconds);
            var tally = new Tally(o.Subscribers, (int)count + 1);
            Uri Url(int node) => new($"ws://{hosts[node]}:{ports[node]}/topic/bench");
            var closers = await Run.ConnectAllAsync(o.Subscribers, 100, i => Ws101Side.SubscribeAsync(Url(i % n), i, tally, positions: false, ct));
            var publisher = await Ws101Side.Publisher.ConnectAsync(Url(0), ct);
            await Run.WarmUpAsync(publisher, tally, TimeSpan.FromSeconds(60));
            double cpuBefore = nodes.Sum(c => Run.CpuSeconds(c.Pid));
            var took = await Run.PublishAtRateAsync(publisher, o.Rate, count, ct);
            await Run.SettleAsync(tally, count * o.Subscribers, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
            double cpu = nodes.Sum(c => Run.CpuSeconds(c.Pid)) - cpuBefore;
            if (tally.Ended.Count > 0)
            {
                Console.WriteLine($"   subscribers whose connection ended during the run: {string.Join(", ", tally.Ended.Select(e => $"{e.Value} with {e.Key}"))}");
            }
            foreach (var close in closers)
            {
                await close();
            }
            await publisher.DisposeAsync();
            return new Result(n, count * o.Subscribers, tally.Deliveries, tally.Deliveries / took.TotalSeconds, tally.PercentileMs(50), tally.PercentileMs(99), tally.MaxMs,
                cpu / Math.Max(1, tally.Deliveries) * 1e6, 0);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    public static string Table(List<Result> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| nodes | delivered / expected | delivered/s | p50 ms | p99 ms | max ms | nodes' CPU µs per delivery |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Nodes} | {r.Delivered:N0} / {r.Expected:N0} | {r.Rate:N0} | {r.P50:F2} | {r.P99:F2} | {r.Max:F1} | {r.NodeCpuMicrosPerDelivery:F2} |");
        }
        return sb.ToString();
    }

    public static void Plot(List<Result> results, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = results.Select(r => (double)r.Nodes).ToArray();
        var p50 = plot.Add.Scatter(xs, results.Select(r => r.P50).ToArray());
        p50.LegendText = "p50";
        var p99 = plot.Add.Scatter(xs, results.Select(r => r.P99).ToArray());
        p99.LegendText = "p99";
        var max = plot.Add.Scatter(xs, results.Select(r => r.Max).ToArray());
        max.LegendText = "max";
        plot.Axes.Left.Label.Text = "end-to-end latency (ms)";
        plot.Axes.Bottom.Label.Text = "ws101 serve nodes on one Redis";
        plot.Title(title);
        plot.ShowLegend();
        plot.SavePng(path, 900, 550);
    }
}
