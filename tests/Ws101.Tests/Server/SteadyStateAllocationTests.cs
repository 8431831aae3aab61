using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>Runs alone: it counts the whole process's allocations.</summary>
[Collection(nameof(ConcurrencyTests))]
public class SteadyStateAllocationTests
{
    [Theory]
    [InlineData(ServerTransport.Auto, 20, false)]
    [InlineData(ServerTransport.Auto, 16 * 1024 - 64, false)]
    [InlineData(ServerTransport.Sockets, 20, false)]
    [InlineData(ServerTransport.Auto, 20, true)]
    [InlineData(ServerTransport.Auto, 16 * 1024 - 64, true)]
    public async Task echoing_messages_up_to_the_buffer_size_allocates_nothing_per_message_on_either_side(ServerTransport transport, int size, bool messageHandler)
    {
        // A Debug build compiles async methods to classes, which allocate on every call: the claim is about the
        // optimized library, which is what ./test.sh builds and runs.
        var debuggable = typeof(WebSocketConnection).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().FirstOrDefault();
        Assert.SkipWhen(debuggable?.IsJITOptimizerDisabled == true, "The library is a Debug build; run with -c Release (./test.sh does).");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        // The echo as a receive loop, or as a message handler (driven by the event loop's message pump).
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Transport = transport }, messageHandler ? TestServer.EchoHandler.Instance : null);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        var payload = new byte[size];
        new Random(size).NextBytes(payload);

        async Task RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await ws.SendBinaryAsync(payload, ct);
                var reply = await ws.ReceiveAsync(ct);
                if (reply.Data.Length != size)
                {
                    throw new InvalidOperationException($"echo of {reply.Data.Length} bytes instead of {size}");
                }
            }
        }

        // Warm up: JIT, buffer pools, the pooled state machines of both sides.
        await RoundTrips(2000);
        long least = long.MaxValue;
        // Five batches: run after other tests, the process may still be finishing their servers' shutdowns (a lingering
        // close, a timer's last tick) for a batch or two, and that background work allocates too.
        for (int batch = 0; batch < 5; batch++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await RoundTrips(1000);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        // The smallest of the batches: the runtime itself allocates now and then (timers, thread-pool growth). Any
        // allocation per message would show in every batch: 1,000 objects of at least 24 bytes.
        Assert.True(least < 1000 * 8, $"1,000 echoed {size}-byte messages allocated {least:N0} bytes ({least / 1000.0:0.#} per round trip)");
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
    }
}
