using System.Collections.Concurrent;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Diagnostics;

/// <summary>Runs alone: the meter is process-wide, so tests running beside it would add to its counts.</summary>
[Collection(nameof(ConcurrencyTests))]
public class Ws101MetricsTests
{
    [Fact]
    public async Task counts_handshakes_by_outcome_messages_bytes_and_open_connections()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var recorder = new MetricRecorder();
        await using var server = await TestServer.StartEchoAsync();
        await using (var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct))
        {
            for (int i = 0; i < 3; i++)
            {
                await ws.SendTextAsync("hello", ct);
                Assert.Equal("hello", (await ws.ReceiveAsync(ct)).GetText());
            }
            Assert.Equal(1, recorder.Get("ws101.server.active_connections"));
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
        await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/missing"), cancellationToken: ct));
        for (int i = 0; i < 100 && recorder.Get("ws101.server.active_connections") != 0; i++)
        {
            await Task.Delay(20, ct);
        }
        Assert.Equal(0, recorder.Get("ws101.server.active_connections"));
        // Server and client share the process here, so each message counts once per side.
        // Handshakes carry the HTTP version that carried them as OpenTelemetry's network.protocol.version.
        Assert.Equal(1, recorder.Get("ws101.server.handshakes[http.response.status_code=101][network.protocol.version=1.1]"));
        Assert.Equal(1, recorder.Get("ws101.server.handshakes[error.type=rejected-by-application][http.response.status_code=404][network.protocol.version=1.1]"));
        Assert.Equal(6, recorder.Get("ws101.messages[network.io.direction=receive]"));
        Assert.Equal(6, recorder.Get("ws101.messages[network.io.direction=transmit]"));
        Assert.True(recorder.Get("ws101.io[network.io.direction=receive]") >= 6 * 7, "each 5-byte text message is at least 7 bytes on the wire");
        Assert.True(recorder.Get("ws101.io[network.io.direction=transmit]") >= 6 * 7);
    }

    [Fact]
    public async Task logs_a_refused_handshake_with_its_reason_and_is_silent_by_default()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var lines = new ConcurrentQueue<string>();
        var options = new WebSocketServerOptions { LoggerFactory = new ListLoggerFactory(lines) };
        await using var server = await TestServer.StartEchoAsync(options);
        string response = await WebSocketServerTests.RawExchangeAsync(server.EndPoints[0].Port,
            "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        for (int i = 0; i < 100 && !lines.Any(l => l.Contains("invalid-key", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(20, ct);
        }
        Assert.Contains(lines, l => l.Contains("Refused", StringComparison.Ordinal) && l.Contains("invalid-key", StringComparison.Ordinal) && l.Contains("400", StringComparison.Ordinal));
    }
}
