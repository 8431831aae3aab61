using System.Net;
using Ws101.PubSub;
using Ws101.Redis;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.PubSub;

/// <summary>
/// One in-process node for the scale-out tests: a server whose <c>/sub/NAME</c> subscribes the connection to NAME, and
/// a topics hub on a Redis backplane (a single Redis or a cluster), so that the test can read the node's counters.
/// </summary>
internal sealed class TopicNode : IAsyncDisposable
{
    public required WebSocketServer Server { get; init; }

    public required WebSocketTopics Topics { get; init; }

    public required RedisBackplane Backplane { get; init; }

    public static async Task<TopicNode> StartAsync(string redisConfiguration, bool sharded = false, Func<WebSocketTopicsOptions, WebSocketTopicsOptions>? configure = null,
        Func<RedisBackplaneOptions, RedisBackplaneOptions>? backplaneOptions = null)
    {
        var redisOptions = new RedisBackplaneOptions { Configuration = redisConfiguration, Sharded = sharded };
        var backplane = new RedisBackplane(backplaneOptions?.Invoke(redisOptions) ?? redisOptions);
        var options = new WebSocketTopicsOptions { Backplane = backplane };
        var topics = new WebSocketTopics(configure?.Invoke(options) ?? options);
        await topics.StartAsync(TestContext.Current.CancellationToken);
        var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/sub/*", async (ws, ct) =>
        {
            topics.Subscribe(ws, Uri.UnescapeDataString(ws.Handshake.Path["/sub/".Length..]));
            while (!(await ws.ReceiveAsync(ct)).IsClose)
            {
            }
        });
        // Positioned: /pos/NAME, or /pos/NAME?since=POSITION to resume.
        server.Map("/pos/*", async (ws, ct) =>
        {
            string? since = ws.Handshake.Query.StartsWith("since=", StringComparison.Ordinal) ? Uri.UnescapeDataString(ws.Handshake.Query["since=".Length..]) : null;
            await topics.SubscribeAsync(ws, Uri.UnescapeDataString(ws.Handshake.Path["/pos/".Length..]), new TopicSubscribeOptions { Positions = true, Since = since }, ct);
            while (!(await ws.ReceiveAsync(ct)).IsClose)
            {
            }
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new TopicNode { Server = server, Topics = topics, Backplane = backplane };
    }

    public Uri Url(string path) => Server.Url(path);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Topics.DisposeAsync();
    }
}
