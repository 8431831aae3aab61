using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Client;
using Ws101.Protocol;

namespace Ws101.Tests.Cli;

public class ServeTopicsTests
{
    private static async Task<(Ws101.WebSocketServer Server, Ws101.WebSocketTopics Topics)> StartAsync()
    {
        var console = new CliConsole(new StringWriter(), new StringWriter(), new StringReader(""));
        var server = ServeCommand.Build(console, new ServeCommand.Settings("127.0.0.1", 0, null, null, null, 1 << 20, [], Quiet: true, Verbose: false), out var topics);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return (server, topics);
    }

    private static Uri Url(Ws101.WebSocketServer server, string path) => new($"ws://127.0.0.1:{server.EndPoints[0].Port}{path}");

    private static async Task WaitSubscribedAsync(Ws101.WebSocketTopics topics, string topic, int count)
    {
        for (int i = 0; i < 200 && topics.GetSubscriberCount(topic) < count; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(count, topics.GetSubscriberCount(topic));
    }

    [Fact]
    public async Task Chat_sends_each_message_to_the_other_members_once()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;
        var (server, topics) = await StartAsync();
        await using var _ = server;
        var a = await WebSocketClient.ConnectAsync(Url(server, "/chat"), cancellationToken: ct);
        var b = await WebSocketClient.ConnectAsync(Url(server, "/chat"), cancellationToken: ct);
        await WaitSubscribedAsync(topics, "chat", 2);
        await a.SendTextAsync("hello", ct);
        Assert.Equal("hello", (await b.ReceiveAsync(ct)).GetText());
        await b.SendTextAsync("back", ct);
        // a gets b's message, not its own.
        Assert.Equal("back", (await a.ReceiveAsync(ct)).GetText());
        Assert.Equal(2, topics.Statistics.Delivered);
        await a.CloseAsync(CloseCode.NormalClosure, "", ct);
        await b.CloseAsync(CloseCode.NormalClosure, "", ct);
    }

    [Fact]
    public async Task Topic_paths_subscribe_and_publish_and_patterns_receive()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;
        var (server, topics) = await StartAsync();
        await using var _ = server;
        var publisher = await WebSocketClient.ConnectAsync(Url(server, "/topic/prices.eur"), cancellationToken: ct);
        var wild = await WebSocketClient.ConnectAsync(Url(server, "/topic/prices.*"), cancellationToken: ct);
        var other = await WebSocketClient.ConnectAsync(Url(server, "/topic/news"), cancellationToken: ct);
        await WaitSubscribedAsync(topics, "prices.*", 1);
        await WaitSubscribedAsync(topics, "news", 1);
        await publisher.SendBinaryAsync(new byte[] { 1, 2, 3 }, ct);
        var m = await wild.ReceiveAsync(ct);
        Assert.Equal(WebSocketMessageKind.Binary, m.Kind);
        Assert.Equal(new byte[] { 1, 2, 3 }, m.ToArray());
        Assert.Equal(1, topics.Statistics.Delivered);
        // A pattern subscription only receives.
        await wild.SendTextAsync("x", ct);
        Assert.Equal(CloseCode.PolicyViolation, (await wild.ReceiveAsync(ct)).CloseStatus);
        foreach (var ws in new[] { publisher, other })
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
    }

    [Theory]
    [InlineData("/topic/")]
    [InlineData("/topic/a*b")]
    public async Task Bad_topic_names_are_refused_at_the_handshake(string path)
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;
        var (server, _) = await StartAsync();
        await using var __ = server;
        var error = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(Url(server, path), cancellationToken: ct));
        Assert.Contains("404", error.Message);
    }
}
