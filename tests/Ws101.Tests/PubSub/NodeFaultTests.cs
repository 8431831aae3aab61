using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// A <c>ws101 serve</c> node killed with SIGKILL, or frozen with SIGSTOP, while clients are subscribed on it: three nodes
/// share one port (<c>--reuse-port</c>) and one Redis, the clients are <see cref="ReconnectingWebSocket"/>s, and messages
/// come from a publisher outside the nodes (straight into Redis, as another node would send them). Runs in the Redis
/// collection.
/// </summary>
[Collection(nameof(RedisBackplaneTests))]
public class NodeFaultTests
{
    private const int Clients = 24;
    private const string Topic = "feed";

    [Fact]
    public async Task Clients_of_a_node_killed_with_SIGKILL_see_1006_reconnect_to_the_other_nodes_on_the_shared_port_and_lose_only_what_was_published_while_they_were_away()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        await using var redis = await RedisProcess.StartAsync();
        var nodes = new List<CliNode>();
        var subscribers = new List<Subscriber>();
        try
        {
            var url = await StartThreeNodesAsync(redis, nodes, ct);
            for (int i = 0; i < Clients; i++)
            {
                subscribers.Add(await Subscriber.ConnectAsync(url, ct));
            }
            var (held, victim) = await SpreadAsync(nodes);
            var publisher = new Publisher(redis);
            long first = await PublishTheFirstHundredAsync(publisher, subscribers);

            long killedAt = publisher.Next;
            var sinceKill = Stopwatch.StartNew();
            nodes[victim].Kill();
            await PublishUntilEveryClientIsPastAsync(publisher, subscribers, killedAt, TimeSpan.FromSeconds(45), "after the kill");
            var allBack = sinceKill.Elapsed;
            long last = await PublishTheLastHundredAsync(publisher, subscribers);

            var moved = subscribers.Where(s => s.Reconnections > 0).ToList();
            var stayed = subscribers.Where(s => s.Reconnections == 0).ToList();
            var gaps = moved.Select(s => s.Missing(first, last)).ToList();
            Figures.Note($"{Clients} clients on 3 nodes ({string.Join("/", held)}); killed the node with {held[victim]}; {moved.Count} reconnected, all back {allBack.TotalSeconds:0.00} s after the kill; " +
                $"messages they missed: {string.Join(", ", gaps.Select(g => g.Count))} (of {last + 1 - first}); the others missed none");

            // The killed node's clients, and only they, saw the connection drop without a close (1006) and came back once.
            Assert.Equal(held[victim], moved.Count);
            Assert.All(moved, s => Assert.Equal([CloseCode.AbnormalClosure], s.DropStatuses));
            Assert.All(moved, s => Assert.Equal(1, s.Reconnections));
            // What the docs say is lost, and only that.
            AssertOnlyTheFaultLost(moved, stayed, first, last, killedAt, "the kill");

            foreach (var s in subscribers)
            {
                await s.CloseAsync(ct);
            }
            Assert.All(nodes.Where((_, i) => i != victim), n => Assert.False(n.HasExited));
        }
        finally
        {
            foreach (var s in subscribers)
            {
                await s.DisposeAsync();
            }
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task Clients_of_a_node_frozen_with_SIGSTOP_notice_by_keepalive_move_to_the_other_nodes_and_the_node_lets_their_connections_go_once_it_thaws()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        // A frozen node answers nothing, not even a ping: the clients find out by their keepalive (a ping after 1 s
        // without a message, dropped 3 s later without its pong). A reconnection the kernel hands to the frozen node's
        // listener (it stays in the port's group: the kernel still completes TCP handshakes for it) waits out the
        // handshake timeout, 2 s, and the next attempt is hashed afresh.
        var options = new WebSocketClientOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            HandshakeTimeout = TimeSpan.FromSeconds(2),
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(3),
        };
        var reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), MaxAttempts = 30 };
        await using var redis = await RedisProcess.StartAsync();
        var nodes = new List<CliNode>();
        var subscribers = new List<Subscriber>();
        int victim = -1;
        try
        {
            var url = await StartThreeNodesAsync(redis, nodes, ct);
            for (int i = 0; i < Clients; i++)
            {
                subscribers.Add(await Subscriber.ConnectAsync(url, ct, options, reconnect));
            }
            (var held, victim) = await SpreadAsync(nodes);
            var publisher = new Publisher(redis);
            long first = await PublishTheFirstHundredAsync(publisher, subscribers);

            long frozenAt = publisher.Next;
            long frozenTicks = Stopwatch.GetTimestamp();
            nodes[victim].Pause();
            await PublishUntilEveryClientIsPastAsync(publisher, subscribers, frozenAt, TimeSpan.FromSeconds(60), "after the freeze");
            var allBack = Stopwatch.GetElapsedTime(frozenTicks);
            long last = await PublishTheLastHundredAsync(publisher, subscribers);

            // Thawed, the node finds the connections its clients gave up on closed and lets them go.
            int linesAtThaw = nodes[victim].Lines.Count;
            var sinceThaw = Stopwatch.StartNew();
            nodes[victim].Resume();
            await WaitUntilAsync(() => nodes[victim].Lines.Skip(linesAtThaw).Any(l => l.Contains(" stats connections=0 ", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
                () => "the thawed node's stats: " + nodes[victim].Lines.LastOrDefault(l => l.Contains(" stats ", StringComparison.Ordinal)));
            var released = sinceThaw.Elapsed;

            var moved = subscribers.Where(s => s.Reconnections > 0).ToList();
            var stayed = subscribers.Where(s => s.Reconnections == 0).ToList();
            var noticed = moved.Select(s => Stopwatch.GetElapsedTime(frozenTicks, s.FirstDrop)).ToList();
            Figures.Note($"{Clients} clients on 3 nodes ({string.Join("/", held)}); froze the node with {held[victim]}; {moved.Count} noticed by keepalive " +
                $"{noticed.Min().TotalSeconds:0.0}-{noticed.Max().TotalSeconds:0.0} s after the freeze and reconnected, all back {allBack.TotalSeconds:0.00} s after it; " +
                $"messages they missed: {string.Join(", ", moved.Select(s => s.Missing(first, last).Count))} (of {last + 1 - first}); the others missed none; " +
                $"the thawed node was down to 0 connections {released.TotalSeconds:0.0} s after SIGCONT");

            // The frozen node's clients, and only they, dropped the connection without a close (1006) once their keepalive
            // had waited for a pong (never before KeepAliveTimeout), and came back once, on another node.
            Assert.Equal(held[victim], moved.Count);
            Assert.All(moved, s => Assert.Equal([CloseCode.AbnormalClosure], s.DropStatuses));
            Assert.All(moved, s => Assert.Equal(1, s.Reconnections));
            Assert.All(noticed, n => Assert.True(n >= options.KeepAliveTimeout, $"dropped {n.TotalSeconds:0.00} s after the freeze"));
            AssertOnlyTheFaultLost(moved, stayed, first, last, frozenAt, "the freeze");

            foreach (var s in subscribers)
            {
                await s.CloseAsync(ct);
            }
            Assert.All(nodes, n => Assert.False(n.HasExited));
        }
        finally
        {
            if (victim >= 0 && !nodes[victim].HasExited)
            {
                nodes[victim].Resume();
            }
            foreach (var s in subscribers)
            {
                await s.DisposeAsync();
            }
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    /// <summary>Starts three nodes on one port (<c>--reuse-port</c>) and one Redis, into <paramref name="nodes"/>; returns the topic's URL.</summary>
    private static async Task<Uri> StartThreeNodesAsync(RedisProcess redis, List<CliNode> nodes, CancellationToken ct)
    {
        nodes.Add(await CliNode.StartAsync(redis.Address, 0, ct, "--reuse-port", "--stats", "0.2"));
        int port = nodes[0].Port;
        nodes.Add(await CliNode.StartAsync(redis.Address, port, ct, "--reuse-port", "--stats", "0.2"));
        nodes.Add(await CliNode.StartAsync(redis.Address, port, ct, "--reuse-port", "--stats", "0.2"));
        return new Uri($"ws://127.0.0.1:{port}/topic/{Topic}");
    }

    /// <summary>
    /// Waits until every client is counted by a node (the kernel spread them; each node's <c>--stats</c> line says how
    /// many it holds); returns how many each node holds and the node that holds the most, the one the fault hits.
    /// </summary>
    private static async Task<(List<int> Held, int Victim)> SpreadAsync(List<CliNode> nodes)
    {
        await WaitUntilAsync(() => nodes.Sum(Connections) == Clients, TimeSpan.FromSeconds(20), () => "stats: " + string.Join(", ", nodes.Select(Connections)));
        var held = nodes.Select(Connections).ToList();
        return (held, held.IndexOf(held.Max()));
    }

    /// <summary>
    /// Publishes until every client has a message (every node is subscribed to the topic's channel by then), then 100
    /// more; returns the first of those 100, where counting starts (before it a node may not yet have subscribed).
    /// </summary>
    private static async Task<long> PublishTheFirstHundredAsync(Publisher publisher, List<Subscriber> subscribers)
    {
        await WaitUntilAsync(async () => { await publisher.PublishAsync(); return subscribers.All(s => s.Last >= 0); }, TimeSpan.FromSeconds(20),
            () => "first messages: " + string.Join(",", subscribers.Select(s => s.Last)));
        long first = publisher.Next;
        for (int i = 0; i < 100; i++)
        {
            await publisher.PublishAsync();
        }
        return first;
    }

    /// <summary>Goes on publishing until every client, moved or not, has messages published well after the fault at <paramref name="faultAt"/>.</summary>
    private static Task PublishUntilEveryClientIsPastAsync(Publisher publisher, List<Subscriber> subscribers, long faultAt, TimeSpan limit, string what) =>
        WaitUntilAsync(async () => { await publisher.PublishAsync(); return subscribers.All(s => s.Last > faultAt + 20); }, limit,
            () => what + ": " + string.Join(",", subscribers.Select(s => s.Last)));

    /// <summary>Publishes 100 more and waits until every client has the last of them; returns its sequence number.</summary>
    private static async Task<long> PublishTheLastHundredAsync(Publisher publisher, List<Subscriber> subscribers)
    {
        for (int i = 0; i < 100; i++)
        {
            await publisher.PublishAsync();
        }
        long last = publisher.Next - 1;
        await WaitUntilAsync(() => subscribers.All(s => s.Last == last), TimeSpan.FromSeconds(20),
            () => "the last message: " + string.Join(",", subscribers.Select(s => s.Last)));
        return last;
    }

    /// <summary>
    /// What the docs say is lost, and only that: for a client that moved, the messages published from about the fault
    /// (<paramref name="faultAt"/>) until it had subscribed again on another node, as one run; never a message twice,
    /// never out of order. The clients of the other nodes lost nothing.
    /// </summary>
    private static void AssertOnlyTheFaultLost(List<Subscriber> moved, List<Subscriber> stayed, long first, long last, long faultAt, string fault)
    {
        foreach (var s in moved)
        {
            Assert.Equal(s.Seen.Distinct().Order(), s.Seen);
            var missing = s.Missing(first, last);
            Assert.True(missing.Count == 0 || missing[^1] - missing[0] + 1 == missing.Count, $"missing not one run: {string.Join(",", missing)}");
            if (missing.Count > 0)
            {
                // (The message is built only here: a client that missed nothing has no first or last missed message.)
                Assert.True(missing[0] > faultAt - 100, $"missed {missing[0]}..{missing[^1]}, from well before {fault} at {faultAt}");
            }
        }
        Assert.All(stayed, s => Assert.Empty(s.Missing(first, last)));
        Assert.All(stayed, s => Assert.Equal(s.Seen.Distinct().Order(), s.Seen));
    }

    /// <summary>The open connections of a node, from the last <c>stats</c> line it printed (0 before the first).</summary>
    private static int Connections(CliNode node)
    {
        string? line = node.Lines.LastOrDefault(l => l.Contains(" stats connections=", StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line.Split("connections=")[1].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what()}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, Func<string> what) => WaitUntilAsync(() => Task.FromResult(condition()), limit, what);

    /// <summary>Publishes "SEQ" on the topic's channel with an envelope of a node of its own.</summary>
    private sealed class Publisher(RedisProcess redis)
    {
        private readonly Guid _node = Guid.NewGuid();

        public long Next { get; private set; }

        public async Task PublishAsync()
        {
            long n = Next++;
            byte[] envelope = BackplaneEnvelope.Encode(_node, (ulong)n + 1, Topic, WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture)));
            await redis.PublishRawAsync("ws101:" + Topic, envelope);
        }
    }

    /// <summary>A reconnecting client on /topic/feed that records every sequence number, its drops and reconnections.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly ReconnectingWebSocket _ws;
        private readonly ConcurrentQueue<long> _seen = new();
        private readonly ConcurrentQueue<CloseCode?> _drops = new();
        private Task _reader = Task.CompletedTask;
        private int _reconnections;
        private long _firstDrop;

        private Subscriber(ReconnectingWebSocket ws)
        {
            _ws = ws;
            _ws.Reconnecting += (attempt, _, status) =>
            {
                if (attempt == 1)
                {
                    _drops.Enqueue(status);
                    Interlocked.CompareExchange(ref _firstDrop, Stopwatch.GetTimestamp(), 0);
                }
            };
            _ws.Reconnected += _ => Interlocked.Increment(ref _reconnections);
        }

        public long Last { get; private set; } = -1;

        public int Reconnections => Volatile.Read(ref _reconnections);

        public List<CloseCode?> DropStatuses => [.. _drops];

        /// <summary>When the connection first dropped (a <see cref="Stopwatch"/> timestamp), or 0 if it never did.</summary>
        public long FirstDrop => Interlocked.Read(ref _firstDrop);

        public List<long> Seen => [.. _seen];

        public static async Task<Subscriber> ConnectAsync(Uri url, CancellationToken ct, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
        {
            var ws = await ReconnectingWebSocket.ConnectAsync(url, options, reconnect ?? new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxAttempts = 20 }, ct);
            var subscriber = new Subscriber(ws);
            subscriber._reader = Task.Run(() => subscriber.ReadAsync(ct), ct);
            return subscriber;
        }

        /// <summary>The sequence numbers from <paramref name="first"/> to <paramref name="last"/> this client never got.</summary>
        public List<long> Missing(long first, long last)
        {
            var seen = Seen.ToHashSet();
            return [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(n => (long)n).Where(n => !seen.Contains(n))];
        }

        private async Task ReadAsync(CancellationToken ct)
        {
            while (true)
            {
                var m = await _ws.ReceiveAsync(ct);
                if (m.IsClose)
                {
                    return;
                }
                long n = long.Parse(m.GetText(), CultureInfo.InvariantCulture);
                _seen.Enqueue(n);
                Last = n;
            }
        }

        public async Task CloseAsync(CancellationToken ct)
        {
            await _ws.CloseAsync(CloseCode.NormalClosure, "", ct);
            await _reader.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }

        public async ValueTask DisposeAsync() => await _ws.DisposeAsync();
    }
}
