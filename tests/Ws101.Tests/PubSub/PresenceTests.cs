using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Redis;

namespace Ws101.Tests.PubSub;

/// <summary>Presence: on one node, and across three <c>ws101 serve</c> processes on a real Redis; runs alone, since it times a node's expiry.</summary>
[CollectionDefinition(nameof(PresenceTests), DisableParallelization = true)]
public sealed class PresenceCollection;

[Collection(nameof(PresenceTests))]
public class PresenceTests
{
    [Fact]
    public async Task On_one_node_presence_counts_the_connections_subscribed_by_name_and_their_distinct_ids()
    {
        var topics = new WebSocketTopics();
        var alice = new FakeSubscriber();
        var alice2 = new FakeSubscriber();
        var anonymous = new FakeSubscriber();
        var byPattern = new FakeSubscriber();
        topics.Subscribe(alice, "room", "alice");
        topics.Subscribe(alice2, "room", "alice");
        topics.Subscribe(anonymous, "room");
        topics.Subscribe(byPattern, "ro*");
        var presence = await topics.GetPresenceAsync("room", TestContext.Current.CancellationToken);
        Assert.Equal(new TopicPresence("room", 3, presence.Members, 1), presence);
        Assert.Equal(["alice"], presence.Members);
        alice.End();
        Assert.Equal(["alice"], (await topics.GetPresenceAsync("room", TestContext.Current.CancellationToken)).Members);
        topics.Unsubscribe(alice2, "room");
        presence = await topics.GetPresenceAsync("room", TestContext.Current.CancellationToken);
        Assert.Equal((1, 0, 1), (presence.Connections, presence.Members.Count, presence.Nodes));
        anonymous.End();
        presence = await topics.GetPresenceAsync("room", TestContext.Current.CancellationToken);
        Assert.Equal((0, 0), (presence.Connections, presence.Nodes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\nb")]
    [InlineData("tab\there")]
    public void A_presence_id_that_is_empty_or_has_control_characters_is_refused(string id)
    {
        Assert.NotNull(TopicSubscribeOptions.CheckPresenceId(id));
        Assert.NotNull(TopicSubscribeOptions.CheckPresenceId(new string('x', TopicSubscribeOptions.MaxPresenceIdBytes + 1)));
        Assert.Null(TopicSubscribeOptions.CheckPresenceId("alice@example.org"));
    }

    [Fact]
    public void A_node_part_round_trips_through_its_stored_form_and_garbage_is_skipped()
    {
        var node = Guid.NewGuid();
        var part = new NodePresence(node, 5, new Dictionary<string, int> { ["alice"] = 2, ["b\u00e9a"] = 1 });
        Assert.True(RedisPresence.TryDecode(node, "1234\n" + RedisPresence.Encode(part), out var back));
        Assert.Equal((5, 2, 1), (back.Connections, back.Members["alice"], back.Members["b\u00e9a"]));
        Assert.False(RedisPresence.TryDecode(node, "1234", out _));
        Assert.False(RedisPresence.TryDecode(node, "1234\nmany", out _));
        Assert.False(RedisPresence.TryDecode(node, null, out _));
    }

    private static async Task<JsonElement> PresenceAsync(HttpClient http, CliNode node, string topic)
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{node.Port}/presence/{Uri.EscapeDataString(topic)}", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private static string Describe(JsonElement p) =>
        $"{p.GetProperty("connections").GetInt32()} connections on {p.GetProperty("nodes").GetInt32()} nodes: {string.Join(",", p.GetProperty("members").EnumerateArray().Select(m => m.GetString()))}";

    [Fact]
    public async Task Three_server_processes_share_presence_and_a_node_killed_with_SIGKILL_drops_out_within_its_time_to_live()
    {
        var ct = TestContext.Current.CancellationToken;
        const double Ttl = 2;
        await using var redis = await RedisProcess.StartAsync();
        var nodes = new List<CliNode>();
        var clients = new List<WebSocketConnection>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            for (int i = 0; i < 3; i++)
            {
                nodes.Add(await CliNode.StartAsync(redis.Address, ct, "--presence-ttl", Ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            async Task<WebSocketConnection> JoinAsync(CliNode node, string query)
            {
                var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port}/topic/room{query}"), cancellationToken: ct);
                clients.Add(ws);
                return ws;
            }
            await JoinAsync(nodes[0], "?id=alice");
            var bob = await JoinAsync(nodes[0], "?id=bob");
            await JoinAsync(nodes[1], "?id=carol");
            await JoinAsync(nodes[1], "?id=alice");
            for (int i = 0; i < 3; i++)
            {
                await JoinAsync(nodes[2], "");
            }
            var dave = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nodes[2].Port}/topic/other?id=dave"), cancellationToken: ct);
            clients.Add(dave);

            // Every node sees the same whole: 7 connections on 3 nodes, 3 distinct ids (alice twice).
            foreach (var node in nodes)
            {
                await Eventually.TrueAsync(async () => Describe(await PresenceAsync(http, node, "room")) == "7 connections on 3 nodes: alice,bob,carol",
                    TimeSpan.FromSeconds(10), () => $"presence of room on {node.Port}");
            }
            Assert.Equal("1 connections on 1 nodes: dave", Describe(await PresenceAsync(http, nodes[0], "other")));
            Assert.Equal("0 connections on 0 nodes: ", Describe(await PresenceAsync(http, nodes[0], "nobody")));

            // A client leaves: every node sees it soon after (the change is written at once, not at the next refresh).
            await bob.CloseAsync(CloseCode.NormalClosure, "", ct);
            await Eventually.TrueAsync(async () => Describe(await PresenceAsync(http, nodes[1], "room")) == "6 connections on 3 nodes: alice,carol",
                TimeSpan.FromSeconds(Ttl / 3 * 2), () => "bob gone");

            // A node dies without a word: its part stops being refreshed and drops out within the time to live.
            var killed = Stopwatch.StartNew();
            nodes[2].Dispose();
            await Eventually.TrueAsync(async () => Describe(await PresenceAsync(http, nodes[0], "room")) == "3 connections on 2 nodes: alice,carol",
                TimeSpan.FromSeconds(Ttl + 2), () => Describe(PresenceAsync(http, nodes[0], "room").Result));
            Figures.Note($"presence: a node killed with SIGKILL dropped out {killed.Elapsed.TotalSeconds:0.00} s later (time to live {Ttl} s, refreshed each {Ttl / 3:0.00} s)");
            // Each topic's part expires on its own (written a moment apart at each refresh): "other" within the same bound.
            await Eventually.TrueAsync(async () => Describe(await PresenceAsync(http, nodes[0], "other")) == "0 connections on 0 nodes: ",
                TimeSpan.FromSeconds(Ttl + 2) - killed.Elapsed, () => Describe(PresenceAsync(http, nodes[0], "other").Result));
            // The reader removed the dead node's part from the hash; each live node keeps its own.
            Assert.Equal(2L, await redis.CommandAsync("HLEN", "ws101-presence:room"));
        }
        finally
        {
            foreach (var ws in clients)
            {
                ws.Abort();
            }
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_node_that_stops_cleanly_removes_its_part_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync();
        var options = new WebSocketTopicsOptions { Presence = new TopicPresenceOptions { Refresh = TimeSpan.FromSeconds(10), TimeToLive = TimeSpan.FromSeconds(60) } };
        await using var a = await TopicNode.StartAsync(redis.Address, configure: o => o with { Presence = options.Presence });
        var b = await TopicNode.StartAsync(redis.Address, configure: o => o with { Presence = options.Presence });
        var ws = await WebSocketClient.ConnectAsync(b.Url("/sub/lobby"), cancellationToken: ct);
        await Eventually.TrueAsync(async () => (await a.Topics.GetPresenceAsync("lobby", ct)).Connections == 1, TimeSpan.FromSeconds(5), () => "b's subscriber seen from a");
        ws.Abort();
        await b.DisposeAsync();
        // Removed by b as it stopped, not left to expire in 60 s.
        Assert.Equal(0, (await a.Topics.GetPresenceAsync("lobby", ct)).Connections);
    }
}
