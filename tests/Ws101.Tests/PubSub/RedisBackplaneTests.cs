using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Redis;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.PubSub;

/// <summary>Real Redis on 127.0.0.1 (a redis-server of each test's own); runs alone, since it times deliveries.</summary>
[CollectionDefinition(nameof(RedisBackplaneTests), DisableParallelization = true)]
public sealed class RedisBackplaneCollection;

[Collection(nameof(RedisBackplaneTests))]
public class RedisBackplaneTests
{
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Receives text messages "P:SEQ" and records, per publisher, the sequence numbers in arrival order.</summary>
    private sealed class Recorder
    {
        public ConcurrentDictionary<string, List<long>> Seen { get; } = new();

        public long Count;

        public Task RunAsync(WebSocketConnection ws, CancellationToken ct) => Task.Run(async () =>
        {
            while (true)
            {
                var m = await ws.ReceiveAsync(ct);
                if (m.IsClose)
                {
                    return;
                }
                string text = m.GetText();
                int colon = text.IndexOf(':', StringComparison.Ordinal);
                var list = Seen.GetOrAdd(text[..colon], _ => []);
                lock (list)
                {
                    list.Add(long.Parse(text[(colon + 1)..]));
                }
                Interlocked.Increment(ref Count);
            }
        }, ct);
    }

    [Fact]
    public async Task Three_server_processes_on_one_redis_deliver_10000_messages_to_every_subscriber_exactly_once_and_in_order_per_publisher()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var redis = await RedisProcess.StartAsync();
        var nodes = new List<CliNode>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                nodes.Add(await CliNode.StartAsync(redis.Address, ct));
            }
            // Per node: two subscribers that only listen, and a publisher that is also subscribed (it does not get its own messages back).
            var listeners = new List<(WebSocketConnection Ws, Recorder Rec)>();
            var publishers = new List<(WebSocketConnection Ws, Recorder Rec)>();
            foreach (var node in nodes)
            {
                for (int s = 0; s < 2; s++)
                {
                    listeners.Add((await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port}/topic/load"), cancellationToken: ct), new Recorder()));
                }
                publishers.Add((await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port}/topic/load"), cancellationToken: ct), new Recorder()));
            }
            var readers = listeners.Concat(publishers).Select(p => p.Rec.RunAsync(p.Ws, ct)).ToList();
            const int PerPublisher = 3334;
            const int Total = PerPublisher * 3;
            // Peers we did not write: Python's websockets on the second node, Node's ws on the third.
            using var python = await PeerSubscriber.StartAsync("/usr/bin/python3", "python/topic_subscriber.py", $"ws://127.0.0.1:{nodes[1].Port}/topic/load", Total, ct);
            using var nodeWs = await PeerSubscriber.StartAsync("node", "node/topic_subscriber.js", $"ws://127.0.0.1:{nodes[2].Port}/topic/load", Total, ct);
            // Every node has subscribed its Redis channel before anything is published, and the handlers have subscribed the last connections.
            await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:load") == 3, TimeSpan.FromSeconds(10), () => "three nodes subscribed to ws101:load");
            await Task.Delay(300, ct);
            await Task.WhenAll(publishers.Select((p, i) => Task.Run(async () =>
            {
                for (int n = 0; n < PerPublisher; n++)
                {
                    await p.Ws.SendTextAsync($"P{i}:{n}", ct);
                }
            }, ct)));
            await WaitUntilAsync(() => Task.FromResult(listeners.All(l => Interlocked.Read(ref l.Rec.Count) >= Total) && publishers.All(p => Interlocked.Read(ref p.Rec.Count) >= Total - PerPublisher)),
                TimeSpan.FromSeconds(60), () => "counts " + string.Join(",", listeners.Concat(publishers).Select(l => l.Rec.Count)));
            await Task.Delay(200, ct);
            foreach (var (ws, rec) in listeners)
            {
                Assert.Equal(Total, rec.Count);
                for (int i = 0; i < 3; i++)
                {
                    Assert.Equal(Enumerable.Range(0, PerPublisher).Select(n => (long)n), rec.Seen[$"P{i}"]);
                }
            }
            Assert.Equal($"ok {Total}", await python.ResultAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal($"ok {Total}", await nodeWs.ResultAsync(TimeSpan.FromSeconds(20)));
            for (int p = 0; p < 3; p++)
            {
                var rec = publishers[p].Rec;
                Assert.Equal(Total - PerPublisher, rec.Count);
                Assert.False(rec.Seen.ContainsKey($"P{p}"));
            }
            foreach (var (ws, _) in listeners.Concat(publishers))
            {
                await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
            }
            await Task.WhenAll(readers);
            // The last subscriber gone, each node unsubscribes its channel.
            await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:load") == 0, TimeSpan.FromSeconds(10), () => "nodes unsubscribed");
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task Redis_killed_and_restarted_during_traffic_local_delivery_goes_on_losses_are_counted_and_cross_node_delivery_resumes()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address);
        await using var b = await TopicNode.StartAsync(redis.Address);
        await using var c = await TopicNode.StartAsync(redis.Address);
        var local = new Recorder();
        var remote = new Recorder();
        var remote2 = new Recorder();
        var wsLocal = await WebSocketClient.ConnectAsync(a.Server.Url("/sub/ticks"), cancellationToken: ct);
        var wsRemote = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/ticks"), cancellationToken: ct);
        var wsRemote2 = await WebSocketClient.ConnectAsync(c.Server.Url("/sub/ticks"), cancellationToken: ct);
        var readers = new[] { local.RunAsync(wsLocal, ct), remote.RunAsync(wsRemote, ct), remote2.RunAsync(wsRemote2, ct) };
        await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:ticks") == 3, TimeSpan.FromSeconds(10), () => "subscribed");

        // Publish on A every 2 ms; kill Redis after 1 s, restart it 2 s later, and go on until B and C have had 300 messages published after the restart.
        var (published, resumedAfter) = await RedisRestartUnderTraffic.RunAsync(a.Topics, "ticks", redis,
            at => MaxSeen(remote) > at && MaxSeen(remote2) > at, TimeSpan.FromSeconds(25), ct);
        await WaitUntilAsync(() => Task.FromResult(local.Count == published && MaxSeen(remote) == published - 1 && MaxSeen(remote2) == published - 1),
            TimeSpan.FromSeconds(5), () => $"local {local.Count} of {published}, the last one on B and C");
        var stats = a.Topics.Statistics;
        long missed = published - remote.Count;
        Figures.Note($"published {published}; local got {local.Count}; remote got {remote.Count} and {remote2.Count}; lost counted on A {stats.BackplaneLost}, missed counted on B {b.Topics.Statistics.BackplaneMissed}; cross-node delivery resumed {resumedAfter?.TotalSeconds:0.00} s after the restart");
        Assert.NotNull(resumedAfter);
        Assert.True(resumedAfter < TimeSpan.FromSeconds(10));
        // Local delivery never stopped: every message, in order.
        Assert.Equal(Enumerable.Range(0, (int)published).Select(n => (long)n), local.Seen["A"]);
        // Cross-node: some lost, and counted (a few sent into the dying connection just before the kill may go uncounted).
        Assert.True(stats.BackplaneLost > 0, stats.ToString());
        Assert.True(missed > 0);
        Assert.True(missed <= stats.BackplaneLost + 100, $"missed {missed}, counted {stats.BackplaneLost}");
        // The receiving nodes know exactly what they missed: the gaps in A's sequence numbers on the topic.
        Assert.Equal(missed, b.Topics.Statistics.BackplaneMissed);
        Assert.Equal(published - remote2.Count, c.Topics.Statistics.BackplaneMissed);
        // Never twice, and in order.
        Assert.Equal(remote.Seen["A"].Distinct().Order(), remote.Seen["A"]);
        Assert.Equal(remote2.Seen["A"].Distinct().Order(), remote2.Seen["A"]);
        Assert.True(a.Topics.IsBackplaneConnected && b.Topics.IsBackplaneConnected);
        foreach (var ws in new[] { wsLocal, wsRemote, wsRemote2 })
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
        await Task.WhenAll(readers);
    }

    private static long MaxSeen(Recorder r)
    {
        if (!r.Seen.TryGetValue("A", out var list))
        {
            return -1;
        }
        lock (list)
        {
            return list.Count == 0 ? -1 : list[^1];
        }
    }

    [Fact]
    public async Task Garbage_on_a_topic_channel_is_counted_and_dropped_and_the_node_goes_on()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address);
        await using var b = await TopicNode.StartAsync(redis.Address);
        var rec = new Recorder();
        var ws = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/t"), cancellationToken: ct);
        var reader = rec.RunAsync(ws, ct);
        await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:t") == 1, TimeSpan.FromSeconds(10), () => "subscribed");
        Assert.Equal(1, await redis.PublishRawAsync("ws101:t", "not an envelope"u8.ToArray()));
        var bad = BackplaneEnvelope.Encode(Guid.NewGuid(), 1, "t", WebSocketMessageKind.Text, "x"u8);
        bad[^1] = 0xFF;
        await redis.PublishRawAsync("ws101:t", bad);
        a.Topics.Publish("t", "A:0");
        await WaitUntilAsync(() => Task.FromResult(rec.Count == 1), TimeSpan.FromSeconds(5), () => "the good message");
        Assert.Equal(2, b.Topics.Statistics.BackplaneMalformed);
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
    }

    [Fact]
    public async Task Wildcard_subscriptions_span_nodes_through_pattern_channels()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address);
        await using var b = await TopicNode.StartAsync(redis.Address);
        var rec = new Recorder();
        var ws = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/prices.*"), cancellationToken: ct);
        var reader = rec.RunAsync(ws, ct);
        await WaitUntilAsync(async () => (long)(await redis.CommandAsync("PUBSUB", "NUMPAT"))! == 1, TimeSpan.FromSeconds(10), () => "pattern subscribed");
        a.Topics.Publish("prices.eur", "A:0");
        a.Topics.Publish("other", "A:99");
        a.Topics.Publish("prices.usd", "A:1");
        await WaitUntilAsync(() => Task.FromResult(rec.Count == 2), TimeSpan.FromSeconds(5), () => $"got {rec.Count}");
        await Task.Delay(100, ct);
        Assert.Equal([0L, 1L], rec.Seen["A"]);
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
        await WaitUntilAsync(async () => (long)(await redis.CommandAsync("PUBSUB", "NUMPAT"))! == 0, TimeSpan.FromSeconds(10), () => "pattern unsubscribed");
    }

    [Fact]
    public async Task Nodes_started_before_redis_connect_and_subscribe_once_it_comes_up()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token;
        await using var redis = RedisProcess.NotStarted();
        await using var a = await TopicNode.StartAsync(redis.Address);
        await using var b = await TopicNode.StartAsync(redis.Address);
        var rec = new Recorder();
        var ws = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/late"), cancellationToken: ct);
        var reader = rec.RunAsync(ws, ct);
        Assert.False(a.Topics.IsBackplaneConnected);
        await WaitUntilAsync(() => Task.FromResult(b.Topics.GetSubscriberCount("late") == 1), TimeSpan.FromSeconds(5), () => "subscribed on b");
        // Local delivery works meanwhile; the message for other nodes is lost and counted.
        b.Topics.Publish("late", "B:0");
        a.Topics.Publish("late", "A:0");
        Assert.Equal(1, a.Topics.Statistics.BackplaneLost);
        await redis.RestartAsync();
        await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:late") == 1, TimeSpan.FromSeconds(15), () => "b subscribed after redis came up");
        await WaitUntilAsync(() => Task.FromResult(a.Topics.IsBackplaneConnected), TimeSpan.FromSeconds(10), () => "a connected");
        a.Topics.Publish("late", "A:1");
        await WaitUntilAsync(() => Task.FromResult(rec.Count == 2), TimeSpan.FromSeconds(5), () => $"got {rec.Count}; a {a.Topics.IsBackplaneConnected} {a.Topics.Statistics}; b {b.Topics.IsBackplaneConnected} {b.Topics.Statistics}");
        Assert.Equal([0L], rec.Seen["B"]);
        Assert.Equal([1L], rec.Seen["A"]);
        // The subscription that failed while Redis was down left nothing behind in the client: one queue for the channel,
        // the one the retry made. A queue left from the failed attempt would receive every message with nothing reading it.
        Assert.Equal(1, ClientQueues(b.Backplane, "ws101:late"));
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
    }

    /// <summary>How many message queues the backplane's Redis client holds for <paramref name="channel"/> (its own count).</summary>
    private static int ClientQueues(RedisBackplane backplane, string channel)
    {
        var flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public;
        object redis = typeof(RedisBackplane).GetField("_redis", flags)!.GetValue(backplane)!;
        object?[] args = [StackExchange.Redis.RedisChannel.Literal(channel), 0, 0];
        redis.GetType().GetMethod("GetSubscriberCounts", flags)!.Invoke(redis, args);
        return (int)args[2]!;
    }

    [Fact]
    public async Task Sharded_pub_sub_carries_messages_with_SPUBLISH()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address, sharded: true);
        await using var b = await TopicNode.StartAsync(redis.Address, sharded: true);
        var rec = new Recorder();
        var ws = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/s"), cancellationToken: ct);
        var reader = rec.RunAsync(ws, ct);
        await WaitUntilAsync(async () => ((object?[])(await redis.CommandAsync("PUBSUB", "SHARDNUMSUB", "ws101:s"))!)[1] is 1L, TimeSpan.FromSeconds(10), () => "sharded subscription");
        Assert.Empty((object?[])(await redis.CommandAsync("PUBSUB", "CHANNELS", "ws101:*"))!);
        for (int i = 0; i < 100; i++)
        {
            a.Topics.Publish("s", $"A:{i}");
        }
        await WaitUntilAsync(() => Task.FromResult(rec.Count == 100), TimeSpan.FromSeconds(5), () => $"got {rec.Count}");
        Assert.Equal(Enumerable.Range(0, 100).Select(n => (long)n), rec.Seen["A"]);
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
    }

    [Fact]
    public void Glob_characters_in_a_pattern_prefix_are_escaped()
    {
        Assert.Equal("a.b", RedisBackplane.EscapeGlob("a.b"));
        Assert.Equal(@"a\*\?\[x\]\\", RedisBackplane.EscapeGlob(@"a*?[x]\"));
    }
}
