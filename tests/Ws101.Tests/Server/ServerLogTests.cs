using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Diagnostics;

namespace Ws101.Tests.Server;

/// <summary>
/// The server's logging costs nothing when its level is off: every line goes through a source-generated method that
/// checks IsEnabled first, so the logger's Log is never called and no message is formatted. Runs alone: the
/// steady-state test counts the whole process's allocations.
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public class ServerLogTests
{
    [Fact]
    public async Task with_every_level_off_a_server_handling_real_connections_never_calls_log_and_formats_nothing()
    {
        var off = new CountingLogger(LogLevel.None);

        await RunEveryKindOfConnectionAsync(off);

        Assert.True(off.IsEnabledCalls > 0, "the server never asked the logger whether a level was on");
        Assert.Equal(0, off.LogCalls);
        Assert.Equal(0, off.FormatterCalls);
    }

    [Fact]
    public async Task with_every_level_on_the_same_connections_log_each_line_with_its_stable_event_id()
    {
        var on = new CountingLogger(LogLevel.Trace);

        await RunEveryKindOfConnectionAsync(on);

        var ids = on.Events.Select(e => e.Id).ToHashSet();
        // Listening, Stopped, Upgraded, Refused, handshake timed out, handler failed, Closed.
        Assert.True(ids.IsSupersetOf([1000, 1001, 1010, 1011, 1014, 1020, 1021]), "logged: " + string.Join(", ", on.Events.Select(e => e.Id + " " + e.Name)));
        Assert.Equal(on.LogCalls, on.FormatterCalls);
        Assert.All(on.Events, e => Assert.False(string.IsNullOrEmpty(e.Name), $"event {e.Id} has no name"));
    }

    [Fact]
    public async Task at_information_level_the_steady_state_echo_path_logs_nothing_and_allocates_nothing_per_message()
    {
        var debuggable = typeof(WebSocketConnection).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().FirstOrDefault();
        Assert.SkipWhen(debuggable?.IsJITOptimizerDisabled == true, "The library is a Debug build; run with -c Release (./test.sh does).");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var info = new CountingLogger(LogLevel.Information);
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { LoggerFactory = info });
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        var payload = new byte[64];

        async Task RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await ws.SendBinaryAsync(payload, ct);
                var reply = await ws.ReceiveAsync(ct);
                if (reply.Data.Length != payload.Length)
                {
                    // Not Assert.Equal: its comparer allocates, and this loop is measured.
                    throw new InvalidOperationException($"echo of {reply.Data.Length} bytes instead of {payload.Length}");
                }
            }
        }

        await RoundTrips(2000);
        int logged = info.LogCalls;
        Assert.True(logged >= 2, "the upgrade and the listening line are logged at Information");
        long least = long.MaxValue;
        for (int batch = 0; batch < 3; batch++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await RoundTrips(1000);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Assert.Equal(logged, info.LogCalls);
        Assert.True(least < 1000 * 8, $"1,000 echoed messages allocated {least:N0} bytes at Information level");
        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
    }

    /// <summary>
    /// Starts a server, has it upgrade and echo, refuse an upgrade (404), time out half a request, close a failing
    /// handler with 1011, and stops it: most of the server's log lines, from real connections.
    /// </summary>
    private static async Task RunEveryKindOfConnectionAsync(ILoggerFactory logger)
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            // Long enough for the real handshakes on a loaded machine, short enough to wait for the half request.
            HandshakeTimeout = TimeSpan.FromSeconds(3),
            LoggerFactory = logger,
        });
        server.Map("/echo", TestServer.Echo);
        server.Map("/fail", (_, _) => throw new InvalidOperationException("the handler's own bug"));
        await server.StartAsync(ct);
        try
        {
            await using (var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct))
            {
                await ws.SendTextAsync("hello", ct);
                Assert.Equal("hello", (await ws.ReceiveAsync(ct)).GetText());
                await ws.CloseAsync(CloseCode.NormalClosure, "done", ct);
            }

            var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/nowhere"), cancellationToken: ct));
            Assert.Contains(refused.Problems, p => p.Id == "not-found");

            await using (var failing = await WebSocketClient.ConnectAsync(server.Url("/fail"), cancellationToken: ct))
            {
                var close = await failing.ReceiveAsync(ct);
                Assert.True(close.IsClose);
                Assert.Equal(CloseCode.InternalServerError, failing.CloseStatus);
            }

            using (var cut = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await cut.ConnectAsync(server.EndPoints[0], ct);
                await cut.SendAsync("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"u8.ToArray(), SocketFlags.None, ct);
                // Half a request, and no more: at the handshake timeout the server drops it, and the read sees the end.
                var buffer = new byte[256];
                try
                {
                    while (await cut.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
                    {
                    }
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
                {
                }
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
