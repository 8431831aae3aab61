using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.PubSub;
using Ws101.Server;
using Ws101.Tests.PubSub;

namespace Ws101.Interop.Playground;

/// <summary>
/// The playground's browser helper (<c>/topics.js</c>, <c>subscribeTopic</c>) in Debian's Chromium against two
/// <c>ws101 serve --redis --history</c> nodes on a Redis of the test's own: the page subscribes on node A, node A
/// stops while messages are published on node B, node A comes back on the same port, and the helper resumes from the
/// last position it saw: the recovery signal, exactly the missed messages in order, then live ones, none twice.
/// </summary>
public sealed class TopicResumeInBrowserTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private const string Topic = "browser-feed";

    /// <summary>Node A goes away under the page; it resumes there with the signal, the four it missed, then live ones.</summary>
    [Fact]
    public async Task The_helper_resumes_after_its_node_went_away_with_exactly_what_it_missed()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var nodeB = await Node.StartAsync(redis.Address, 0);
        var nodeA = await Node.StartAsync(redis.Address, 0);
        int portA = nodeA.Port;
        IPage page = await browser.Chromium.NewPageAsync(TestContext.Current.CancellationToken);
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        try
        {
            page.SetDefaultTimeout(15_000);
            // The page comes from node B, which stays up; the helper subscribes on node A.
            await page.GotoAsync($"http://127.0.0.1:{nodeB.Port}/");
            var ct = TestContext.Current.CancellationToken;
            await page.EvaluateAsync("""
                async url => {
                  const { subscribeTopic } = await import('/topics.js');
                  window.got = []; window.recoveries = []; window.states = [];
                  window.feed = subscribeTopic(url, {
                    onMessage: (data, position) => window.got.push({ data, position }),
                    onRecovery: r => window.recoveries.push(r),
                    onState: s => window.states.push(s),
                    minDelay: 100, maxDelay: 400,
                  });
                }
                """, $"ws://127.0.0.1:{portA}/topic/{Topic}");
            await WaitAsync(() => nodeA.Topics.GetSubscriberCount(Topic) == 1, "the page's subscription on node A");

            await using var publisher = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{nodeB.Port}/topic/{Topic}"), cancellationToken: ct);
            for (int i = 0; i < 3; i++)
            {
                await publisher.SendTextAsync($"m{i}", ct);
            }
            await page.WaitForFunctionAsync("() => window.got.length === 3");

            // Node A goes away; four messages are published meanwhile; node A comes back on its port.
            await nodeA.DisposeAsync();
            await page.WaitForFunctionAsync("() => window.states.includes('waiting')");
            for (int i = 3; i < 7; i++)
            {
                await publisher.SendTextAsync($"m{i}", ct);
            }
            nodeA = await Node.StartAsync(redis.Address, portA);
            await page.WaitForFunctionAsync("() => window.recoveries.length === 1 && window.got.length === 7");
            await WaitAsync(() => nodeA.Topics.GetSubscriberCount(Topic) == 1, "the page's subscription on node A again");
            for (int i = 7; i < 9; i++)
            {
                await publisher.SendTextAsync($"m{i}", ct);
            }
            await page.WaitForFunctionAsync("() => window.got.length >= 9");

            var recovery = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.recoveries[0])")).RootElement;
            Assert.True(recovery.GetProperty("recovered").GetBoolean());
            Assert.Equal(4, recovery.GetProperty("missed").GetInt32());
            string[] got = await page.EvaluateAsync<string[]>("() => window.got.map(m => m.data)");
            Assert.Equal(Enumerable.Range(0, 9).Select(i => $"m{i}"), got);
            string[] positions = await page.EvaluateAsync<string[]>("() => window.got.map(m => m.position)");
            Assert.Equal(9, positions.Distinct().Count());
            Assert.Equal(positions[^1], await page.EvaluateAsync<string>("() => window.feed.position"));

            // The helper publishes too, and close() is final: no reconnect after it.
            Assert.True(await page.EvaluateAsync<bool>("() => window.feed.publish('from the page')"));
            await page.EvaluateAsync("() => window.feed.close()");
            await page.WaitForFunctionAsync("() => window.feed.state === 'closed'");
            await WaitAsync(() => nodeA.Topics.GetSubscriberCount(Topic) == 0, "the subscription gone after close()");
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
            await nodeA.DisposeAsync();
        }
    }

    /// <summary>Mistakes in the arguments are thrown at once, with what to use instead.</summary>
    [Fact]
    public async Task The_helper_refuses_a_url_that_is_not_a_topic_and_a_since_that_is_not_a_position()
    {
        await using var server = await PlaygroundServer.StartAsync();
        IPage page = await browser.Chromium.NewPageAsync(TestContext.Current.CancellationToken);
        try
        {
            await page.GotoAsync(server.BaseUrl.AbsoluteUri);
            string[] problems = await page.EvaluateAsync<string[]>("""
                async () => {
                  const { subscribeTopic } = await import('/topics.js');
                  const attempt = f => { try { f(); return 'accepted'; } catch (e) { return e.message; } };
                  return [
                    attempt(() => subscribeTopic('http://example.invalid/topic/x')),
                    attempt(() => subscribeTopic('/echo')),
                    attempt(() => subscribeTopic('/topic/x', { since: 'yesterday' })),
                  ];
                }
                """);
            Assert.Equal(["subscribeTopic needs a ws:// or wss:// URL.", "subscribeTopic needs the URL of /topic/NAME.", "\"yesterday\" is not a position (A-B)."], problems);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"waited 15 s for {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary><c>ws101 serve --redis --history 1000</c> in this process, built as the command builds it.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly WebSocketServer _server;
        private int _disposed;

        private Node(WebSocketServer server, WebSocketTopics topics)
        {
            _server = server;
            Topics = topics;
        }

        public WebSocketTopics Topics { get; }

        public int Port => _server.EndPoints[0].Port;

        public static async Task<Node> StartAsync(string redis, int port)
        {
            var console = new CliConsole(TextWriter.Null, TextWriter.Null, TextReader.Null);
            var settings = new ServeCommand.Settings(IPAddress.Loopback.ToString(), port, null, null, null, 1024 * 1024, [], Quiet: true, Verbose: false,
                Redis: redis, History: 1000);
            var server = ServeCommand.Build(console, settings, out var topics);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await topics.StartAsync(timeout.Token);
            await server.StartAsync(timeout.Token);
            return new Node(server, topics);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _server.StopAsync(timeout.Token);
            await _server.DisposeAsync();
            await Topics.DisposeAsync();
        }
    }
}
