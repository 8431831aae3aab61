using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Redis;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.PubSub;

/// <summary>
/// A Redis that hangs (SIGSTOP: its connections stay open, nothing is answered) and then thaws (SIGCONT), under traffic.
/// Runs in the Redis collection, alone: it times deliveries.
/// </summary>
[Collection(nameof(RedisBackplaneTests))]
public class RedisHangTests
{
    /// <summary>A's bound on publishes waiting for Redis's answer: about 200 of these messages' envelopes.</summary>
    private const long PendingBound = 8 * 1024;

    [Fact]
    public async Task A_hung_redis_does_not_stop_local_delivery_the_node_counts_what_could_not_reach_the_others_and_delivery_resumes_in_order_after_it_thaws()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        await using var redis = await RedisProcess.StartAsync();
        await using var a = await StartNodeAsync(redis, maxPendingBytes: PendingBound);
        await using var b = await StartNodeAsync(redis);
        var local = new SequenceReader();
        var remote = new SequenceReader();
        await using var wsLocal = await WebSocketClient.ConnectAsync(a.Server.Url("/sub/ticks"), cancellationToken: ct);
        await using var wsRemote = await WebSocketClient.ConnectAsync(b.Server.Url("/sub/ticks"), cancellationToken: ct);
        var readers = new[] { local.RunAsync(wsLocal, ct), remote.RunAsync(wsRemote, ct) };
        await WaitUntilAsync(async () => await redis.SubscribersAsync("ws101:ticks") == 2, TimeSpan.FromSeconds(10), () => "both nodes subscribed");

        // Publish on A every 2 ms: 1 s with Redis well, then Redis frozen for at least 6 s (past StackExchange.Redis's 5 s
        // command timeout) and until A has counted losses, then thawed until B gets messages published after the thaw.
        long published = 0;
        var phase = Stopwatch.StartNew();
        long pausedAt = -1, resumedAt = -1, localAtResume = 0;
        TimeSpan? lossCountedAfter = null, resumedAfter = null;
        long slowestPublishTicks = 0, mostPending = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            long before = Stopwatch.GetTimestamp();
            a.Topics.Publish("ticks", $"{published}");
            slowestPublishTicks = Math.Max(slowestPublishTicks, Stopwatch.GetTimestamp() - before);
            published++;
            mostPending = Math.Max(mostPending, a.Backplane.PendingBytes);
            if (pausedAt < 0 && phase.Elapsed > TimeSpan.FromSeconds(1))
            {
                redis.Pause();
                pausedAt = published;
                phase.Restart();
            }
            else if (pausedAt >= 0 && resumedAt < 0)
            {
                if (lossCountedAfter is null && a.Topics.Statistics.BackplaneLost > 0)
                {
                    lossCountedAfter = phase.Elapsed;
                }
                // Frozen for 6 s and until the first loss is counted, at most 30 s in all: then thawed.
                if ((lossCountedAfter is not null && phase.Elapsed > TimeSpan.FromSeconds(6)) || phase.Elapsed > TimeSpan.FromSeconds(30))
                {
                    localAtResume = Interlocked.Read(ref local.Count);
                    redis.Resume();
                    resumedAt = published;
                    phase.Restart();
                }
            }
            else if (resumedAt >= 0 && resumedAfter is null && remote.Last > resumedAt)
            {
                resumedAfter = phase.Elapsed;
            }
            if ((resumedAfter is { } r && phase.Elapsed > r + TimeSpan.FromSeconds(1)) || (resumedAt >= 0 && phase.Elapsed > TimeSpan.FromSeconds(30)))
            {
                break;
            }
            await Task.Delay(2, ct);
        }
        await WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref local.Count) == published), TimeSpan.FromSeconds(10), () => $"local {local.Count} of {published}");
        // Both backplanes report their links back by themselves. Delivery across nodes resumes first (A's interactive link
        // carries the publishes, B's subscription link the deliveries); a link StackExchange.Redis declared failed during
        // the freeze is reported restored when its reconnect completes, which its retry schedule may put seconds later.
        await WaitUntilAsync(() => Task.FromResult(a.Topics.IsBackplaneConnected && b.Topics.IsBackplaneConnected), TimeSpan.FromSeconds(15),
            () => $"A's backplane connected: {a.Topics.IsBackplaneConnected}, B's: {b.Topics.IsBackplaneConnected}");
        var connectedAfter = phase.Elapsed; // since the thaw (or since the freeze, if it never thawed: the checks below say so)
        long lost = a.Topics.Statistics.BackplaneLost;
        long missed = published - Interlocked.Read(ref remote.Count);
        Figures.Note($"published {published} ({resumedAt - pausedAt} while Redis was frozen); local got {local.Count}; remote got {remote.Count} (missed {missed}); " +
            $"lost counted on A {lost}, the first {lossCountedAfter?.TotalSeconds:0.0} s after the freeze; cross-node delivery resumed {resumedAfter?.TotalSeconds:0.00} s after the thaw; " +
            $"both backplanes connected {connectedAfter.TotalSeconds:0.0} s after the thaw; slowest Publish call {Stopwatch.GetElapsedTime(0, slowestPublishTicks).TotalMilliseconds:0.0} ms; most bytes waiting for Redis {mostPending} (bound {PendingBound})");

        // Local delivery went on while Redis was frozen (the local subscriber had messages published after the freeze
        // before the thaw), and never missed or reordered a message.
        Assert.True(localAtResume > pausedAt, $"the local subscriber had {localAtResume} messages at the thaw; {pausedAt} were published before the freeze");
        Assert.Equal(Enumerable.Range(0, (int)published).Select(n => (long)n), local.Seen);
        // Bounded and counted: what waited for the frozen Redis never passed the bound; what did not fit was refused at
        // once and counted lost while Redis was still frozen; B missed those and no others (a message that waited past the
        // command timeout is counted lost too, yet may still arrive once Redis thaws).
        Assert.InRange(mostPending, 1, PendingBound);
        Assert.NotNull(lossCountedAfter);
        Assert.True(missed > 0 && missed <= lost, $"missed {missed}, counted {lost}");
        // After the thaw: delivery resumed by itself, never twice, in order.
        Assert.NotNull(resumedAfter);
        Assert.Equal(remote.Seen.Distinct().Order(), remote.Seen);
        await wsLocal.CloseAsync(CloseCode.NormalClosure, "", ct);
        await wsRemote.CloseAsync(CloseCode.NormalClosure, "", ct);
        await Task.WhenAll(readers);
    }

    private sealed class Node : IAsyncDisposable
    {
        public required WebSocketServer Server { get; init; }

        public required WebSocketTopics Topics { get; init; }

        public required RedisBackplane Backplane { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Topics.DisposeAsync();
        }
    }

    private static async Task<Node> StartNodeAsync(RedisProcess redis, long maxPendingBytes = 16 * 1024 * 1024)
    {
        var backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = redis.Address, MaxPendingBytes = maxPendingBytes });
        var topics = new WebSocketTopics(new WebSocketTopicsOptions { Backplane = backplane });
        await topics.StartAsync(TestContext.Current.CancellationToken);
        var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/sub/*", async (ws, ct) =>
        {
            topics.Subscribe(ws, ws.Handshake.Path["/sub/".Length..]);
            while (!(await ws.ReceiveAsync(ct)).IsClose)
            {
            }
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new Node { Server = server, Topics = topics, Backplane = backplane };
    }

    /// <summary>Receives text messages "SEQ" and keeps them in arrival order.</summary>
    private sealed class SequenceReader
    {
        private readonly ConcurrentQueue<long> _seen = new();

        public long Count;

        public List<long> Seen => [.. _seen];

        public long Last { get; private set; } = -1;

        public Task RunAsync(WebSocketConnection ws, CancellationToken ct) => Task.Run(async () =>
        {
            while (true)
            {
                var m = await ws.ReceiveAsync(ct);
                if (m.IsClose)
                {
                    return;
                }
                long n = long.Parse(m.GetText(), System.Globalization.CultureInfo.InvariantCulture);
                _seen.Enqueue(n);
                Last = n;
                Interlocked.Increment(ref Count);
            }
        }, ct);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what()}");
            await Task.Delay(20);
        }
    }
}
