using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Redis;

namespace Ws101.Tests.PubSub;

/// <summary>
/// RedisBackplaneOptions.PublishBacklog on real redis-servers: what a node publishes while its link is down is held, in
/// order and bounded, and sent once the link is back. The default (no backlog) is covered by RedisBackplaneTests'
/// restart test. Runs alone with the other Redis tests, since it times an outage.
/// </summary>
[Collection(nameof(RedisBackplaneTests))]
public class PublishBacklogTests
{
    private static RedisBackplaneOptions Backlog(RedisBackplaneOptions o) => o with { PublishBacklog = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task With_the_backlog_what_is_published_while_Redis_is_down_reaches_the_other_nodes_once_it_is_back_in_order_never_twice_and_counted_as_delayed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address, backplaneOptions: Backlog);
        await using var b = await TopicNode.StartAsync(redis.Address);
        await using var c = await TopicNode.StartAsync(redis.Address);
        var local = new MessageRecorder();
        var remote = new MessageRecorder();
        var remote2 = new MessageRecorder();
        var wsLocal = await WebSocketClient.ConnectAsync(a.Url("/sub/ticks"), cancellationToken: ct);
        var wsRemote = await WebSocketClient.ConnectAsync(b.Url("/sub/ticks"), cancellationToken: ct);
        var wsRemote2 = await WebSocketClient.ConnectAsync(c.Url("/sub/ticks"), cancellationToken: ct);
        var readers = new[] { local.RunAsync(wsLocal, ct), remote.RunAsync(wsRemote, ct), remote2.RunAsync(wsRemote2, ct) };
        await Eventually.TrueAsync(async () => await redis.SubscribersAsync("ws101:ticks") == 3, TimeSpan.FromSeconds(10), () => "subscribed");

        // Publish on A every 2 ms; kill Redis after 1 s, restart it 2 s later, and go on until B and C have had a message
        // published after the restart (which comes after the held ones).
        var (published, resumedAfter) = await RedisRestartUnderTraffic.RunAsync(a.Topics, "ticks", redis,
            at => Last(remote) > at && Last(remote2) > at, TimeSpan.FromSeconds(30), ct);
        Assert.NotNull(resumedAfter);
        await Eventually.TrueAsync(() => local.Count == published && Last(remote) == published - 1 && Last(remote2) == published - 1 && a.Backplane.HeldCount == 0,
            TimeSpan.FromSeconds(20), () => $"local {local.Count} of {published}, the last one on B and C, {a.Backplane.HeldCount} still held");
        var stats = a.Topics.Statistics;
        long missed = published - remote.Count, missed2 = published - remote2.Count;
        Figures.Note($"backlog across a Redis crash: published {published}; B got {remote.Count}, C got {remote2.Count}; on A delayed {stats.BackplaneDelayed}, " +
            $"lost {stats.BackplaneLost} (dropped from the backlog {stats.BackplaneBacklogDropped}); delivery resumed {resumedAfter?.TotalSeconds:0.00} s after the restart");
        // Local delivery never stopped.
        Assert.Equal(Enumerable.Range(0, (int)published).Select(n => (long)n), local.From("A"));
        // The outage's messages were held and sent late: a Redis down for 2 s at one publish each 2 ms or so holds hundreds.
        Assert.True(stats.BackplaneDelayed >= 200, stats.ToString());
        Assert.Equal(0, stats.BackplaneBacklogDropped);
        // What is still lost is what was in flight when Redis died (written, never answered): a few, counted, never resent.
        Assert.True(missed <= stats.BackplaneLost + 20 && missed < 100, $"B missed {missed}, A counted {stats.BackplaneLost} lost");
        // Both ends count exactly: the receivers' gaps are what their subscribers lacked.
        Assert.Equal(missed, b.Topics.Statistics.BackplaneMissed);
        Assert.Equal(missed2, c.Topics.Statistics.BackplaneMissed);
        // In order, never twice: a late message never overtakes an earlier one, and live ones queued behind the backlog.
        Assert.Equal(remote.From("A").Distinct().Order(), remote.From("A"));
        Assert.Equal(remote2.From("A").Distinct().Order(), remote2.From("A"));
        foreach (var ws in new[] { wsLocal, wsRemote, wsRemote2 })
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task Beyond_its_byte_bound_the_backlog_refuses_the_newest_publishes_counts_them_lost_and_holds_no_more_than_the_bound()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        const long Bound = 4096;
        await using var a = await TopicNode.StartAsync(redis.Address, backplaneOptions: o => o with { PublishBacklog = TimeSpan.FromMinutes(5), PublishBacklogBytes = Bound });
        redis.Kill();
        await Eventually.TrueAsync(() => !a.Topics.IsBackplaneConnected, TimeSpan.FromSeconds(10), () => "the link seen down");
        string pad = new('x', 200);
        const int Published = 10_000;
        for (int i = 0; i < Published; i++)
        {
            a.Topics.Publish("t", $"A:{i}:{pad}");
            Assert.True(a.Backplane.HeldBytes <= Bound, $"{a.Backplane.HeldBytes} bytes held after {i + 1}");
        }
        var stats = a.Topics.Statistics;
        int held = a.Backplane.HeldCount;
        Figures.Note($"backlog bound {Bound} bytes: {held} of {Published} held ({a.Backplane.HeldBytes} bytes), {stats.BackplaneBacklogDropped} dropped");
        // About 240 bytes an envelope: 17 fit.
        Assert.InRange(held, 10, 20);
        Assert.Equal(Published - held, stats.BackplaneBacklogDropped);
        Assert.Equal(stats.BackplaneBacklogDropped, stats.BackplaneLost);
        Assert.Equal(Published, stats.BackplaneSent);
        Assert.Equal(0, stats.BackplaneDelayed);
    }

    [Fact]
    public async Task Held_longer_than_its_age_bound_a_publish_is_dropped_and_counted_lost_and_never_arrives_late()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await TopicNode.StartAsync(redis.Address, backplaneOptions: o => o with { PublishBacklog = TimeSpan.FromMilliseconds(300) });
        await using var b = await TopicNode.StartAsync(redis.Address);
        var remote = new MessageRecorder();
        var ws = await WebSocketClient.ConnectAsync(b.Url("/sub/t"), cancellationToken: ct);
        var reader = remote.RunAsync(ws, ct);
        await Eventually.TrueAsync(async () => await redis.SubscribersAsync("ws101:t") == 1, TimeSpan.FromSeconds(10), () => "subscribed");
        a.Topics.Publish("t", "A:0");
        await Eventually.TrueAsync(() => remote.Count == 1, TimeSpan.FromSeconds(10), () => "the first message on B");

        redis.Kill();
        await Eventually.TrueAsync(() => !a.Topics.IsBackplaneConnected, TimeSpan.FromSeconds(10), () => "the link seen down");
        for (int i = 1; i <= 10; i++)
        {
            a.Topics.Publish("t", $"A:{i}");
        }
        Assert.Equal(10, a.Backplane.HeldCount);
        // The once-a-second check drops them, without waiting for another publish.
        await Eventually.TrueAsync(() => a.Backplane.HeldCount == 0, TimeSpan.FromSeconds(10), () => $"{a.Backplane.HeldCount} still held");
        var stats = a.Topics.Statistics;
        Assert.Equal(10, stats.BackplaneBacklogDropped);
        Assert.Equal(10, stats.BackplaneLost);

        await redis.RestartAsync();
        await Eventually.TrueAsync(async () => a.Topics.IsBackplaneConnected && b.Topics.IsBackplaneConnected && await redis.SubscribersAsync("ws101:t") == 1,
            TimeSpan.FromSeconds(20), () => "both links back and B subscribed again");
        // Published after the link is back with nothing held: sent at once.
        a.Topics.Publish("t", "A:11");
        await Eventually.TrueAsync(() => remote.Count == 2, TimeSpan.FromSeconds(20), () => $"B got {remote.Count}");
        Assert.Equal([0L, 11L], remote.From("A"));
        // B knows it missed exactly the ten A dropped.
        Assert.Equal(10, b.Topics.Statistics.BackplaneMissed);
        Assert.Equal(0, a.Topics.Statistics.BackplaneDelayed);
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
    }

    [Fact]
    public async Task With_history_a_held_message_is_appended_when_it_is_sent_and_gets_its_position_then_once_and_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync(persistent: true);
        var history = TopicOptions.Default with { History = new TopicHistory { MaxCount = 100_000 } };
        await using var a = await TopicNode.StartAsync(redis.Address, configure: o => o with { DefaultTopic = history }, backplaneOptions: Backlog);
        await using var b = await TopicNode.StartAsync(redis.Address, configure: o => o with { DefaultTopic = history });
        var onB = new PositionedRecorder();
        var wsB = await WebSocketClient.ConnectAsync(b.Url("/pos/ticks?since=0-0"), cancellationToken: ct);
        var reader = onB.RunAsync(wsB, ct);
        await Eventually.TrueAsync(() => onB.Frames.Length == 1, TimeSpan.FromSeconds(30), () => "the recovery signal");

        var (published, resumedAfter) = await RedisRestartUnderTraffic.RunAsync(a.Topics, "ticks", redis,
            at => onB.Sequence is [.., var last] && last > at, TimeSpan.FromSeconds(30), ct);
        Assert.NotNull(resumedAfter);
        await Eventually.TrueAsync(() => onB.Sequence is [.., var last] && last == published - 1 && a.Backplane.HeldCount == 0, TimeSpan.FromSeconds(30),
            () => $"the last message on B ({onB.Sequence.LastOrDefault()} of {published - 1}), {a.Backplane.HeldCount} held");
        var entries = (object?[])(await redis.CommandAsync("XRANGE", "ws101:ticks", "-", "+"))!;
        var kept = entries.Cast<object?[]>().Select(e => ((object?[])e[1]!).Cast<string>().ToArray())
            .Select(fields => long.Parse(fields[Array.IndexOf(fields, "d") + 1]["A:".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await Eventually.TrueAsync(() => onB.Messages >= kept.Length, TimeSpan.FromSeconds(30), () => $"B {onB.Messages} of {kept.Length}");
        var stats = a.Topics.Statistics;
        Figures.Note($"backlog with history across a Redis crash: published {published}, kept {kept.Length}, delayed {stats.BackplaneDelayed}, lost {stats.BackplaneLost}");
        // Appended once each, in publishing order, the held ones at their turn; B got exactly what the stream holds.
        Assert.Equal(kept.Distinct().Order(), kept);
        Assert.Equal(kept, onB.Sequence);
        var positions = onB.Frames.Where(f => f.Position is not null).Select(f => f.Position!).ToArray();
        Assert.Equal(positions.Length, positions.Distinct().Count());
        Assert.True(stats.BackplaneDelayed >= 200, stats.ToString());
        // Only what was in flight at the kill is missing from the stream.
        Assert.True(published - kept.Length <= stats.BackplaneLost + 20 && published - kept.Length < 100, $"kept {kept.Length} of {published}, {stats.BackplaneLost} counted lost");
        await wsB.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reader;
    }

    private static long Last(MessageRecorder r) => r.From("A") is [.., var last] ? last : -1;
}
