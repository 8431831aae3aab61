using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// History and recovery with real processes: <c>ws101 serve --redis --history</c> nodes (and in-process nodes where the
/// test reads a node's counters) on a real Redis; runs alone, since it times deliveries and kills processes.
/// </summary>
[CollectionDefinition(nameof(HistoryTests), DisableParallelization = true)]
public sealed class HistoryCollection;

[Collection(nameof(HistoryTests))]
public class HistoryTests
{
    private static Uri Url(CliNode node, string pathAndQuery) => new($"ws://127.0.0.1:{node.Port}{pathAndQuery}");

    /// <summary>Sends "P:0" to "P:{count-1}" on a plain connection, one every <paramref name="pace"/>.</summary>
    private sealed class Publisher(WebSocketConnection ws)
    {
        private long _sent;

        public long Sent => Interlocked.Read(ref _sent);

        public Task RunAsync(int count, TimeSpan pace, CancellationToken ct) => Task.Run(async () =>
        {
            for (int n = 0; n < count; n++)
            {
                await ws.SendTextAsync($"P:{n}", ct);
                Interlocked.Increment(ref _sent);
                await Task.Delay(pace, ct);
            }
        }, ct);
    }

    /// <summary>The payload of the newest entry of the ticker's stream, or null.</summary>
    private static async Task<string?> NewestPayloadAsync(RedisProcess redis) =>
        await redis.CommandAsync("XREVRANGE", "ws101:ticker", "+", "-", "COUNT", "1") is object?[] { Length: 1 } entries
            && entries[0] is object?[] { Length: 2 } entry && entry[1] is object?[] fields
            ? fields.Chunk(2).Where(f => f.Length == 2 && f[0] as string == "d").Select(f => f[1] as string).FirstOrDefault()
            : null;

    private static void AssertPositionsIncrease(IEnumerable<PositionedMessage> frames)
    {
        TopicPosition? previous = null;
        foreach (var frame in frames.Where(f => f.Position is not null))
        {
            Assert.True(TopicPosition.TryParse(frame.Position, out var at), frame.Position);
            Assert.True(previous is not { } p || at > p, $"{frame.Position} after {previous}");
            previous = at;
        }
    }

    [Fact]
    public async Task A_subscriber_that_reconnects_to_another_node_with_its_position_gets_exactly_what_it_missed_then_the_live_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        using var a = await CliNode.StartAsync(redis.Address, ct, "--history", "5000");
        using var b = await CliNode.StartAsync(redis.Address, ct, "--history", "5000");
        // From the beginning of the topic's history (0-0): nothing yet, then every message.
        var first = new PositionedRecorder();
        var ws1 = await WebSocketClient.ConnectAsync(Url(b, "/topic/room?since=0-0"), cancellationToken: ct);
        var reading1 = first.RunAsync(ws1, ct);
        await Eventually.TrueAsync(() => first.Frames.Length == 1, TimeSpan.FromSeconds(30), () => "the recovery signal");
        Assert.Equal(new PositionedMessage(null, null, null, true, 0), first.Frames[0]);

        // Messages go on at a steady pace on node A while the subscriber leaves node B and comes back on node A.
        const int Total = 600;
        var publisher = new Publisher(await WebSocketClient.ConnectAsync(Url(a, "/topic/room"), cancellationToken: ct));
        var publishing = publisher.RunAsync(Total, TimeSpan.FromMilliseconds(3), ct);
        await Eventually.TrueAsync(() => first.Messages >= 150, TimeSpan.FromSeconds(20), () => $"{first.Messages} received");
        // The connection drops (a train enters a tunnel): no closing handshake.
        ws1.Abort();
        await reading1;
        long left = first.Sequence[^1];
        await Eventually.TrueAsync(() => publisher.Sent >= left + 100, TimeSpan.FromSeconds(20), () => $"{publisher.Sent} sent");

        var second = new PositionedRecorder();
        var ws2 = await WebSocketClient.ConnectAsync(Url(a, "/topic/room?positions=1&since=" + first.LastPosition), cancellationToken: ct);
        var reading2 = second.RunAsync(ws2, ct);
        await publishing;
        await Eventually.TrueAsync(() => second.Sequence is [.., Total - 1], TimeSpan.FromSeconds(20), () => $"{second.Messages} received after resuming");

        // First the signal with the count of missed messages, then exactly those, then the live ones: together with what
        // the first connection had, every message once, in order, and positions that only go up.
        var signal = second.Frames[0];
        Assert.True(signal.Recovered);
        Assert.True(signal.Missed >= 100, $"missed {signal.Missed}");
        Assert.Equal(Enumerable.Range((int)left + 1, signal.Missed).Select(n => (long)n), second.Sequence.Take(signal.Missed));
        Assert.Equal(Enumerable.Range(0, Total).Select(n => (long)n), first.Sequence.Concat(second.Sequence));
        AssertPositionsIncrease(first.Frames.Concat(second.Frames));
        Figures.Note($"history: left node B after message {left}, resumed on node A with {signal.Missed} missed, then {second.Messages - signal.Missed} live; {Total} in all, none twice");
        await ws2.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reading2;
    }

    [Fact]
    public async Task A_position_the_history_no_longer_holds_gets_recovered_false_then_the_live_messages_on_either_node()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        using var a = await CliNode.StartAsync(redis.Address, ct, "--history", "10");
        using var b = await CliNode.StartAsync(redis.Address, ct, "--history", "10");
        var publisher = new Publisher(await WebSocketClient.ConnectAsync(Url(b, "/topic/ticker"), cancellationToken: ct));
        var early = new PositionedRecorder();
        var ws = await WebSocketClient.ConnectAsync(Url(a, "/topic/ticker?since=0-0"), cancellationToken: ct);
        var reading = early.RunAsync(ws, ct);
        await Eventually.TrueAsync(() => early.Frames.Length == 1, TimeSpan.FromSeconds(30), () => "the recovery signal");
        await publisher.RunAsync(1, TimeSpan.Zero, ct);
        await Eventually.TrueAsync(() => early.Messages == 1, TimeSpan.FromSeconds(30), () => "the first message");
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reading;
        // Far more than the history keeps (Redis trims its stream in whole blocks of 100, so well past 10).
        await publisher.RunAsync(400, TimeSpan.Zero, ct);
        // A send completes once its bytes leave the publisher's socket; node B appends them to the stream after that. Wait for
        // the last one: a subscriber that came while B still appended and trimmed would see its node's feed start from a
        // position trimmed away before its first read, and be closed to resume (a race of the test, not a lost message).
        await Eventually.TrueAsync(async () => await NewestPayloadAsync(redis) == "P:399", TimeSpan.FromSeconds(30), () => "the 400th message in the stream");
        await Eventually.TrueAsync(async () => (long)(await redis.CommandAsync("XLEN", "ws101:ticker"))! < 300, TimeSpan.FromSeconds(30), () => "the stream trimmed");

        foreach (var node in new[] { a, b })
        {
            var late = new PositionedRecorder();
            var again = await WebSocketClient.ConnectAsync(Url(node, "/topic/ticker?since=" + early.LastPosition), cancellationToken: ct);
            var readingAgain = late.RunAsync(again, ct);
            await Eventually.TrueAsync(() => late.Frames.Length == 1, TimeSpan.FromSeconds(30),
                () => $"the signal on node {(node == a ? "A" : "B")} (reader: {(readingAgain.IsFaulted ? readingAgain.Exception!.InnerException!.Message : readingAgain.Status.ToString())}, state {again.State} {(int?)again.CloseStatus} {again.CloseReason})");
            Assert.False(late.Frames[0].Recovered);
            // Then the live feed.
            await publisher.RunAsync(1, TimeSpan.Zero, ct);
            await Eventually.TrueAsync(() => late.Messages == 1, TimeSpan.FromSeconds(30),
                () => $"a live message on node {(node == a ? "A" : "B")} (state {again.State} {(int?)again.CloseStatus} {again.CloseReason}; node A printed: {string.Join(" | ", a.Lines)}; node B, the publisher's: {string.Join(" | ", b.Lines)})");
            Assert.Equal("P:0", late.Frames[1].Text);
            await again.CloseAsync(CloseCode.NormalClosure, "", ct);
            await readingAgain;
        }
    }

    [Fact]
    public async Task Positions_are_refused_without_history_on_a_pattern_and_with_a_malformed_position()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        using var plain = await CliNode.StartAsync(redis.Address, ct);
        using var kept = await CliNode.StartAsync(redis.Address, ct, "--history", "100");
        foreach (var (node, path, says) in new[]
        {
            (plain, "/topic/room?positions=1", "keeps no history"),
            (kept, "/topic/room.*?positions=1", "exact name"),
            (kept, "/topic/room?since=yesterday", "since=yesterday"),
            (kept, "/topic/room?positions=2", "positions=1"),
            (kept, "/topic/room?colour=blue", "Unknown query parameter"),
        })
        {
            var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(Url(node, path), cancellationToken: ct));
            Assert.StartsWith("HTTP/1.1 400", refused.ResponseText, StringComparison.Ordinal);
            Assert.Contains(says, refused.ResponseText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Redis_killed_and_restarted_with_its_append_only_file_the_nodes_fill_in_what_they_missed_from_the_history()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync(persistent: true);
        var history = TopicOptions.Default with { History = new TopicHistory { MaxCount = 100_000 } };
        await using var a = await TopicNode.StartAsync(redis.Address, configure: o => o with { DefaultTopic = history });
        await using var b = await TopicNode.StartAsync(redis.Address, configure: o => o with { DefaultTopic = history });
        await using var c = await TopicNode.StartAsync(redis.Address, configure: o => o with { DefaultTopic = history });
        var onB = new PositionedRecorder();
        var onC = new PositionedRecorder();
        var wsB = await WebSocketClient.ConnectAsync(b.Url("/pos/ticks?since=0-0"), cancellationToken: ct);
        var wsC = await WebSocketClient.ConnectAsync(c.Url("/pos/ticks?since=0-0"), cancellationToken: ct);
        var readers = new[] { onB.RunAsync(wsB, ct), onC.RunAsync(wsC, ct) };
        await Eventually.TrueAsync(() => onB.Frames.Length == 1 && onC.Frames.Length == 1, TimeSpan.FromSeconds(30), () => "the recovery signals");

        // Publish on A every 2 ms; kill Redis (SIGKILL) after 1 s and start it again 2 s later from its append-only file;
        // go on until B and C have had messages published after the restart, plus a second.
        var (published, resumedAfter) = await RedisRestartUnderTraffic.RunAsync(a.Topics, "ticks", redis,
            at => onB.Sequence is [.., var lb] && lb > at && onC.Sequence is [.., var lc] && lc > at, TimeSpan.FromSeconds(30), ct);
        Assert.NotNull(resumedAfter);
        // The last appends may still be on their way: the last message reaches B (Redis is up) once they are done.
        await Eventually.TrueAsync(() => onB.Sequence is [.., var last] && last == published - 1, TimeSpan.FromSeconds(30), () => $"the last message on B ({onB.Sequence.LastOrDefault()} of {published - 1})");
        // What the history holds is what every positioned subscriber must have: exactly that, in that order.
        var entries = (object?[])(await redis.CommandAsync("XRANGE", "ws101:ticks", "-", "+"))!;
        var kept = entries.Cast<object?[]>().Select(e => ((object?[])e[1]!).Cast<string>().ToArray())
            .Select(fields => long.Parse(fields[Array.IndexOf(fields, "d") + 1]["A:".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await Eventually.TrueAsync(() => onB.Messages >= kept.Length && onC.Messages >= kept.Length, TimeSpan.FromSeconds(30), () => $"B {onB.Messages}, C {onC.Messages} of {kept.Length}");
        Assert.Equal(kept, onB.Sequence);
        Assert.Equal(kept, onC.Sequence);
        AssertPositionsIncrease(onB.Frames);
        // Every message published is in the history or was counted lost by the publishing node (a message whose
        // append reached Redis but whose answer did not is both).
        var stats = a.Topics.Statistics;
        Assert.True(kept.Length + stats.BackplaneLost >= published, $"{kept.Length} kept + {stats.BackplaneLost} counted lost < {published} published");
        Assert.Equal(kept.Distinct().Order(), kept);
        Figures.Note($"history across a Redis crash (AOF, fsync always): published {published}, kept {kept.Length}, counted lost on A {stats.BackplaneLost}; " +
            $"B and C got all {kept.Length} in order; filled in from the history: B {b.Topics.Statistics.HistoryFilled}, C {c.Topics.Statistics.HistoryFilled}; resumed {resumedAfter?.TotalSeconds:0.00} s after the restart");
        await wsB.CloseAsync(CloseCode.NormalClosure, "", ct);
        await wsC.CloseAsync(CloseCode.NormalClosure, "", ct);
        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task ReconnectingWebSocket_resumes_from_its_last_position_when_its_node_is_killed_and_comes_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        var a = await CliNode.StartAsync(redis.Address, ct, "--history", "5000");
        using var b = await CliNode.StartAsync(redis.Address, ct, "--history", "5000");
        int port = a.Port;
        try
        {
            var recorder = new PositionedRecorder();
            await using var socket = await ReconnectingWebSocket.ConnectAsync(Url(a, "/topic/feed?since=0-0"),
                reconnect: new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(500), ResumeTopic = true }, cancellationToken: ct);
            int reconnects = 0;
            socket.Reconnected += _ => Interlocked.Increment(ref reconnects);
            var reading = Task.Run(async () =>
            {
                while (true)
                {
                    var m = await socket.ReceiveAsync(ct);
                    if (m.IsClose)
                    {
                        return;
                    }
                    Assert.True(PositionedMessage.TryRead(m, out var frame));
                    recorder.Add(frame);
                }
            }, ct);
            const int Total = 500;
            var publisher = new Publisher(await WebSocketClient.ConnectAsync(Url(b, "/topic/feed"), cancellationToken: ct));
            var publishing = publisher.RunAsync(Total, TimeSpan.FromMilliseconds(4), ct);
            await Eventually.TrueAsync(() => recorder.Messages >= 100, TimeSpan.FromSeconds(20), () => $"{recorder.Messages} before the kill");
            // The node the socket is on dies (SIGKILL) and is started again on the same port a moment later.
            a.Dispose();
            await Eventually.TrueAsync(() => publisher.Sent >= recorder.Messages + 100, TimeSpan.FromSeconds(20), () => "published meanwhile");
            a = await CliNode.StartAsync(redis.Address, port, ct, "--history", "5000");
            await publishing;
            await Eventually.TrueAsync(() => recorder.Sequence is [.., Total - 1], TimeSpan.FromSeconds(30), () => $"{recorder.Messages} received, last {socket.LastPosition}");
            // Every message once and in order, across the reconnection, which began with the recovery signal.
            Assert.Equal(Enumerable.Range(0, Total).Select(n => (long)n), recorder.Sequence);
            var signals = recorder.Frames.Where(f => f.Position is null).ToArray();
            Assert.Equal(2, signals.Length);
            Assert.All(signals, s => Assert.True(s.Recovered));
            Assert.True(signals[1].Missed > 0);
            Assert.True(reconnects >= 1);
            Figures.Note($"ReconnectingWebSocket: node killed and restarted; resumed with {signals[1].Missed} missed after {reconnects} reconnection(s); {Total} messages, none twice");
            await socket.CloseAsync(CloseCode.NormalClosure, "", ct);
            await reading;
        }
        finally
        {
            a.Dispose();
        }
    }
}
