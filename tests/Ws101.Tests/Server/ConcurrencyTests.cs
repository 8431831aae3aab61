using System.Text;
using Ws101.Client;
using Ws101.Protocol;

namespace Ws101.Tests.Server;

/// <summary>Runs alone: it reads the process's heap, which tests running beside it would disturb.</summary>
[CollectionDefinition(nameof(ConcurrencyTests), DisableParallelization = true)]
public sealed class ConcurrencyCollection;

[Collection(nameof(ConcurrencyTests))]
public class ConcurrencyTests
{
    [Fact]
    public async Task a_thousand_concurrent_connections_each_echo_a_hundred_messages_with_nothing_lost_and_memory_returns_to_baseline()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        await using var server = await TestServer.StartEchoAsync();
        // A first round warms the buffer pools and the JIT, so that what they keep is not taken for a leak.
        await RoundAsync(server, 200, 10, ct);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        await RoundAsync(server, 1000, 100, ct);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        TestContext.Current.TestOutputHelper?.WriteLine($"heap before {baseline:N0}, after {after:N0}");
        // Nothing per connection survives: the managed heap is back within a few MiB of where it started.
        Assert.True(after - baseline < 4 * 1024 * 1024, $"heap grew from {baseline:N0} to {after:N0} bytes after every connection closed");
    }

    private static async Task RoundAsync(Ws101.WebSocketServer server, int connections, int messages, CancellationToken ct)
    {
        var clients = new WebSocketConnection[connections];
        // Open in waves so the listen backlog is never the bottleneck.
        for (int wave = 0; wave < connections; wave += 100)
        {
            var opening = Enumerable.Range(wave, Math.Min(100, connections - wave)).Select(async i => clients[i] = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct));
            await Task.WhenAll(opening);
        }
        // The server registers a connection just after writing its 101, so give the last ones a moment.
        for (int i = 0; i < 100 && server.ConnectionCount < connections; i++)
        {
            await Task.Delay(20, ct);
        }
        Assert.Equal(connections, server.ConnectionCount);
        int[] received = new int[connections];
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
        {
            var ws = clients[i];
            for (int m = 0; m < messages; m++)
            {
                string text = $"{i}:{m}";
                await ws.SendTextAsync(text, ct);
                var reply = await ws.ReceiveAsync(ct);
                Assert.Equal(text, reply.GetText());
                received[i]++;
            }
        }));
        Assert.All(received, count => Assert.Equal(messages, count));
        await Task.WhenAll(clients.Select(c => c.CloseAsync(CloseCode.NormalClosure, "", ct)));
        foreach (var c in clients)
        {
            Assert.Equal(CloseCode.NormalClosure, c.CloseStatus);
            await c.DisposeAsync();
        }
        for (int i = 0; i < 100 && server.ConnectionCount > 0; i++)
        {
            await Task.Delay(50, ct);
        }
        Assert.Equal(0, server.ConnectionCount);
    }
}
