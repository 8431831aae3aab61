using System.Diagnostics;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>A real Redis Cluster (three masters, three replicas) on 127.0.0.1; runs alone, since it times a failover.</summary>
[CollectionDefinition(nameof(RedisClusterTests), DisableParallelization = true)]
public sealed class RedisClusterCollection;

[Collection(nameof(RedisClusterTests))]
public class RedisClusterTests
{
    /// <summary>A topic name for each master: topic i's channel hashes to a slot that master i serves.</summary>
    private static async Task<(string Topic, int Master)[]> TopicPerMasterAsync(RedisClusterProcess cluster, CancellationToken ct)
    {
        var masters = await cluster.MastersAsync(ct);
        var chosen = new Dictionary<int, string>();
        for (int i = 0; chosen.Count < masters.Length && i < 1000; i++)
        {
            string topic = $"room{i}";
            int master = await cluster.MasterOfSlotAsync(await cluster.KeySlotAsync("ws101:" + topic, ct), ct);
            chosen.TryAdd(master, topic);
        }
        Assert.Equal(masters.Length, chosen.Count);
        return [.. chosen.Select(kv => (kv.Value, kv.Key))];
    }

    private static async Task<long> ShardSubscribersAsync(RedisClusterProcess cluster, int port, string channel) =>
        (long)((object?[])(await cluster.CommandAsync(port, "PUBSUB", "SHARDNUMSUB", channel))!)[1]!;

    [Fact]
    public async Task Sharded_topics_are_subscribed_on_the_master_of_their_slot_and_reach_every_node()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RedisClusterProcess.StartAsync(ct);
        var topics = await TopicPerMasterAsync(cluster, ct);
        await using var a = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        await using var b = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        await using var c = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        var recorders = new List<(string Topic, MessageRecorder Rec, WebSocketConnection Ws, Task Reader)>();
        foreach (var (topic, _) in topics)
        {
            foreach (var node in new[] { b, c })
            {
                var rec = new MessageRecorder();
                var ws = await WebSocketClient.ConnectAsync(node.Url("/sub/" + topic), cancellationToken: ct);
                recorders.Add((topic, rec, ws, rec.RunAsync(ws, ct)));
            }
        }
        // Each topic's channel is subscribed by both nodes on the master that serves its slot, and on no other master.
        foreach (var (topic, master) in topics)
        {
            await Eventually.TrueAsync(async () => await ShardSubscribersAsync(cluster, master, "ws101:" + topic) == 2, TimeSpan.FromSeconds(10), () => $"{topic} on {master}");
            foreach (var (_, other) in topics.Where(t => t.Master != master))
            {
                Assert.Equal(0, await ShardSubscribersAsync(cluster, other, "ws101:" + topic));
            }
        }
        for (int n = 0; n < 500; n++)
        {
            foreach (var (topic, _) in topics)
            {
                a.Topics.Publish(topic, $"{topic}:{n}");
            }
        }
        await Eventually.TrueAsync(() => recorders.All(r => r.Rec.Count == 500), TimeSpan.FromSeconds(15), () => string.Join(",", recorders.Select(r => r.Rec.Count)));
        foreach (var (topic, rec, _, _) in recorders)
        {
            Assert.Equal(Enumerable.Range(0, 500).Select(n => (long)n), rec.From(topic));
        }
        Assert.Equal(0, a.Topics.Statistics.BackplaneLost);
        foreach (var (_, _, ws, reader) in recorders)
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
            await reader;
        }
    }

    [Fact]
    public async Task A_master_killed_during_traffic_fails_over_to_its_replica_and_the_nodes_resubscribe_with_the_losses_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RedisClusterProcess.StartAsync(ct);
        var (topic, master) = (await TopicPerMasterAsync(cluster, ct))[0];
        int slot = await cluster.KeySlotAsync("ws101:" + topic, ct);
        await using var a = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        await using var b = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        await using var c = await TopicNode.StartAsync(cluster.Configuration, sharded: true);
        var local = new MessageRecorder();
        var remote = new MessageRecorder();
        var remote2 = new MessageRecorder();
        var clients = new[]
        {
            await WebSocketClient.ConnectAsync(a.Url("/sub/" + topic), cancellationToken: ct),
            await WebSocketClient.ConnectAsync(b.Url("/sub/" + topic), cancellationToken: ct),
            await WebSocketClient.ConnectAsync(c.Url("/sub/" + topic), cancellationToken: ct),
        };
        var readers = new[] { local.RunAsync(clients[0], ct), remote.RunAsync(clients[1], ct), remote2.RunAsync(clients[2], ct) };
        await Eventually.TrueAsync(async () => await ShardSubscribersAsync(cluster, master, "ws101:" + topic) == 3, TimeSpan.FromSeconds(10), () => "subscribed");

        // Publish on A every 2 ms; after 1 s kill the topic's master with SIGKILL, and go on until B and C have had
        // messages published after its replica took over, plus one second.
        long published = 0;
        long promotedAt = -1;
        int newMaster = 0;
        TimeSpan? failedOverAfter = null, resumedAfter = null;
        var watch = Stopwatch.StartNew();
        var sinceKill = new Stopwatch();
        Task<int>? promotion = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            a.Topics.Publish(topic, $"A:{published}");
            published++;
            if (!sinceKill.IsRunning && watch.Elapsed > TimeSpan.FromSeconds(1))
            {
                cluster.Kill(master);
                sinceKill.Start();
                promotion = WaitForPromotionAsync(cluster, slot, master, ct);
            }
            else if (promotion is { IsCompleted: true } && promotedAt < 0)
            {
                newMaster = await promotion;
                promotedAt = published;
                failedOverAfter = sinceKill.Elapsed;
            }
            else if (promotedAt >= 0 && resumedAfter is null && remote.Last("A") > promotedAt && remote2.Last("A") > promotedAt)
            {
                resumedAfter = sinceKill.Elapsed;
            }
            if (resumedAfter is { } r && sinceKill.Elapsed > r + TimeSpan.FromSeconds(1))
            {
                break;
            }
            await Task.Delay(2, ct);
        }
        if (resumedAfter is null)
        {
            // What each side saw, so that a failure says where delivery stopped: the publisher, the receivers, the new master's subscriptions.
            long onNewMaster = newMaster > 0 ? await ShardSubscribersAsync(cluster, newMaster, "ws101:" + topic) : -1;
            Assert.Fail($"cross-node delivery did not resume: promoted {failedOverAfter} (new master {newMaster}, {onNewMaster} subscriber(s) there), " +
                $"published {published}, remote {remote.Count} last {remote.Last("A")}, remote2 {remote2.Count} last {remote2.Last("A")}; " +
                $"A {a.Topics.Statistics}; B {b.Topics.Statistics}; C {c.Topics.Statistics}; " +
                $"the client's view on A: {a.Backplane.Describe(topic)}; B: {b.Backplane.Describe(topic)}; C: {c.Backplane.Describe(topic)}");
        }
        await Eventually.TrueAsync(() => local.Count == published && remote.Last("A") == published - 1 && remote2.Last("A") == published - 1,
            TimeSpan.FromSeconds(5), () => $"local {local.Count} of {published}, the last one on B and C");
        var stats = a.Topics.Statistics;
        long missed = published - remote.Count, missed2 = published - remote2.Count;
        Figures.Note($"cluster failover: master {master} killed, replica {newMaster} promoted {failedOverAfter?.TotalSeconds:0.00} s later; cross-node delivery resumed {resumedAfter?.TotalSeconds:0.00} s after the kill; " +
            $"published {published}, local got {local.Count}, remote got {remote.Count} and {remote2.Count}; lost counted on A {stats.BackplaneLost}, missed counted on B {b.Topics.Statistics.BackplaneMissed} and C {c.Topics.Statistics.BackplaneMissed}");
        // The new master carries the nodes' subscriptions.
        await Eventually.TrueAsync(async () => await ShardSubscribersAsync(cluster, newMaster, "ws101:" + topic) == 3, TimeSpan.FromSeconds(10), () => "resubscribed on the new master");
        // Local delivery never stopped: every message, in order.
        Assert.Equal(Enumerable.Range(0, (int)published).Select(n => (long)n), local.From("A"));
        // Cross-node: lost while the slot had no master (counted by the publisher as it refused them), and while the
        // nodes' subscriptions moved to the new master (published, but to nobody). The receiving nodes know exactly
        // what they missed: every gap in A's sequence numbers on the topic is counted.
        Assert.True(stats.BackplaneLost > 0, stats.ToString());
        Assert.True(stats.BackplaneLost <= missed, $"counted lost {stats.BackplaneLost}, missed {missed}");
        Assert.True(missed == b.Topics.Statistics.BackplaneMissed, $"B: lacks {missed}, counted {b.Topics.Statistics.BackplaneMissed}; {Anomalies(remote.From("A"))}");
        Assert.True(missed2 == c.Topics.Statistics.BackplaneMissed, $"C: lacks {missed2}, counted {c.Topics.Statistics.BackplaneMissed}; {Anomalies(remote2.From("A"))}");
        // Never twice, and in order.
        Assert.Equal(remote.From("A").Distinct().Order(), remote.From("A"));
        Assert.Equal(remote2.From("A").Distinct().Order(), remote2.From("A"));
        foreach (var ws in clients)
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task History_lives_on_the_topics_slot_and_a_subscriber_resumes_on_another_node()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RedisClusterProcess.StartAsync(ct);
        var (topic, master) = (await TopicPerMasterAsync(cluster, ct))[1];
        var history = TopicOptions.Default with { History = new TopicHistory { MaxCount = 1000 } };
        await using var a = await TopicNode.StartAsync(cluster.Configuration, sharded: true, configure: o => o with { DefaultTopic = history });
        await using var b = await TopicNode.StartAsync(cluster.Configuration, sharded: true, configure: o => o with { DefaultTopic = history });
        var first = new PositionedRecorder();
        var ws = await WebSocketClient.ConnectAsync(b.Url($"/pos/{topic}?since=0-0"), cancellationToken: ct);
        var reading = first.RunAsync(ws, ct);
        await Eventually.TrueAsync(() => first.Frames.Length == 1, TimeSpan.FromSeconds(10), () => "the recovery signal");
        for (int n = 0; n < 100; n++)
        {
            a.Topics.Publish(topic, $"A:{n}");
        }
        await Eventually.TrueAsync(() => first.Messages == 100, TimeSpan.FromSeconds(10), () => $"{first.Messages} of 100");
        ws.Abort();
        await reading;
        for (int n = 100; n < 150; n++)
        {
            a.Topics.Publish(topic, $"A:{n}");
        }
        // The stream is a key on the master that serves the channel's slot: the same name, the same slot.
        await Eventually.TrueAsync(async () => (long)(await cluster.CommandAsync(master, "XLEN", "ws101:" + topic))! == 150, TimeSpan.FromSeconds(10), () => "150 in the stream");
        var second = new PositionedRecorder();
        var again = await WebSocketClient.ConnectAsync(a.Url($"/pos/{topic}?since={first.LastPosition}"), cancellationToken: ct);
        var readingAgain = second.RunAsync(again, ct);
        await Eventually.TrueAsync(() => second.Messages == 50, TimeSpan.FromSeconds(10), () => $"{second.Messages} of the 50 missed");
        a.Topics.Publish(topic, "A:150");
        await Eventually.TrueAsync(() => second.Messages == 51, TimeSpan.FromSeconds(10), () => "the live one");
        Assert.Equal(new PositionedMessage(null, null, null, true, 50), second.Frames[0]);
        Assert.Equal(Enumerable.Range(0, 151).Select(n => (long)n), first.Sequence.Concat(second.Sequence));
        await again.CloseAsync(CloseCode.NormalClosure, "", ct);
        await readingAgain;
    }

    /// <summary>For a failure message: the numbers received twice, and where the order went back.</summary>
    private static string Anomalies(long[] received)
    {
        var seen = new HashSet<long>();
        var twice = received.Where(n => !seen.Add(n)).ToArray();
        var back = Enumerable.Range(1, Math.Max(0, received.Length - 1)).Where(i => received[i] < received[i - 1])
            .Select(i => $"{received[i - 1]} then {received[i]}").ToArray();
        var gaps = Enumerable.Range(1, Math.Max(0, received.Length - 1)).Where(i => received[i] > received[i - 1] + 1)
            .Select(i => $"{received[i - 1]}..{received[i]}").ToArray();
        return $"received {received.Length}, twice [{string.Join(" ", twice)}], order went back [{string.Join(", ", back)}], gaps [{string.Join(" ", gaps)}]";
    }

    private static async Task<int> WaitForPromotionAsync(RedisClusterProcess cluster, int slot, int deadMaster, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                int now = await cluster.MasterOfSlotAsync(slot, ct);
                if (now != deadMaster)
                {
                    return now;
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
            {
            }
            await Task.Delay(50, ct);
        }
        throw new TimeoutException($"no replica took over slot {slot} within 30 s");
    }
}
