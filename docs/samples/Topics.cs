using Ws101;
using Ws101.Redis;

namespace Ws101.DocSamples;

internal static class TopicsSample
{
    public static void Use(WebSocketServer server)
    {
var topics = new WebSocketTopics();                   // standalone; one per application
server.Map("/prices", async (ws, ct) =>
{
    topics.Subscribe(ws, "prices.*");                  // ends by itself when ws closes
    await foreach (var m in ws.ReadAllAsync(ct))
        topics.Publish("prices.eur", m.Data.Span, m.Kind, except: ws);   // from a connection
});
topics.Publish("prices.eur", "{\"bid\":1.08}");        // from the server
    }

    public static async Task HistoryAndPresence(WebSocketServer server)
    {
var topics = new WebSocketTopics(new WebSocketTopicsOptions
{
    Backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = "127.0.0.1:6379" }),
    DefaultTopic = TopicOptions.Default with { History = new TopicHistory { MaxCount = 10_000, MaxAge = TimeSpan.FromMinutes(5) } },
    Presence = new TopicPresenceOptions(),            // connections (and ids) per topic across nodes, with a TTL
});
await topics.StartAsync();
server.Map("/feed", async (ws, ct) =>
{
    string? since = ws.Handshake.Query.StartsWith("since=", StringComparison.Ordinal) ? Uri.UnescapeDataString(ws.Handshake.Query[6..]) : null;
    var result = await topics.SubscribeAsync(ws, "feed", new TopicSubscribeOptions { Since = since, Positions = true, PresenceId = "user-42" }, ct);
    // result.Recovered: null (no since), true (result.Missed were sent), false (the client was told to resync)
    await foreach (var m in ws.ReadAllAsync(ct)) { }
});
var presence = await topics.GetPresenceAsync("feed");   // Connections, Members, Nodes
    }

    public static async Task ResumingClient()
    {
await using var feed = await ReconnectingWebSocket.ConnectAsync(new Uri("ws://127.0.0.1:8080/topic/feed?positions=1"),
    reconnect: new ReconnectOptions { ResumeTopic = true });
while (await feed.ReceiveAsync() is { IsClose: false } m)
{
    if (!PositionedMessage.TryRead(m, out var p)) continue;
    if (p.Recovered is false) Console.WriteLine("the history is gone: resync");
    else if (p.Position is not null) Console.WriteLine($"{p.Position}: {p.Text}");
}
    }
}
