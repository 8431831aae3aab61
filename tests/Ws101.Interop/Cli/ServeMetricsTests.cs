using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.Protocol;

namespace Ws101.Interop.Cli;

/// <summary>
/// <c>ws101 serve --metrics</c> (and <c>--http2 --metrics</c>) scraped by a real Prometheus every second: the connection gauge
/// and the handshake counter read back through Prometheus' own query API match the connections this test opened (over each
/// HTTP version) and the upgrades it had refused.
/// </summary>
public sealed class ServeMetricsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task prometheus_scraping_ws101_serve_metrics_reads_the_open_connections_and_the_refused_upgrades_by_problem_code()
    {
        int metricsPort = LoopbackPort.GetFree();
        await using var serve = await ServeProcess.StartAsync(Cancel, "--metrics", "--metrics-port", $"{metricsPort}");
        await serve.Process.WaitForLineAsync(l => l.StartsWith($"Metrics (Prometheus): http://127.0.0.1:{metricsPort}/metrics", StringComparison.Ordinal), "its metrics line", cancellationToken: Cancel);
        await using var prometheus = await PrometheusProcess.StartAsync(metricsPort, Cancel);

        var open = new List<WebSocketConnection>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var ws = await WebSocketClient.ConnectAsync(serve.Url("/echo"), cancellationToken: Cancel);
                open.Add(ws);
                await ws.SendTextAsync("counted", Cancel);
                Assert.Equal("counted", (await ws.ReceiveAsync(Cancel)).GetText());
            }
            var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(serve.Url("/nowhere"), cancellationToken: Cancel));
            Assert.Equal("not-found", refused.Problems[0].Id);
            Assert.StartsWith("HTTP/1.1 400 ", await RawUpgradeAsync(serve.Port, "Sec-WebSocket-Version: 13\r\n"), StringComparison.Ordinal);

            var timeout = TimeSpan.FromSeconds(30);
            Assert.Equal(3, await prometheus.WaitForQueryAsync("ws101_server_active_connections{job=\"ws101\"}", v => v == 3, timeout, Cancel));
            Assert.Equal(3, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{http_response_status_code=\"101\",network_protocol_version=\"1.1\"})", v => v == 3, timeout, Cancel));
            Assert.Equal(1, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{error_type=\"missing-key\",http_response_status_code=\"400\"})", v => v == 1, timeout, Cancel));
            Assert.Equal(2, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{error_type!=\"\"})", v => v == 2, timeout, Cancel));
            Assert.True(await prometheus.WaitForQueryAsync("sum(ws101_messages_total{network_io_direction=\"receive\"})", v => v >= 3, timeout, Cancel) >= 3);
        }
        finally
        {
            foreach (var ws in open)
            {
                await ws.DisposeAsync();
            }
        }
        Assert.Equal(0, await prometheus.WaitForQueryAsync("ws101_server_active_connections{job=\"ws101\"}", v => v == 0, TimeSpan.FromSeconds(30), Cancel));
    }

    [Fact]
    public async Task prometheus_scraping_ws101_serve_http2_metrics_tells_the_http2_streams_from_the_http11_upgrades()
    {
        using TestCertificate certificate = TestCertificate.Create();
        string folder = Directory.CreateTempSubdirectory("ws101-serve-h2-metrics-").FullName;
        try
        {
            var (cert, key) = certificate.WritePemFiles(folder);
            int metricsPort = LoopbackPort.GetFree();
            await using var serve = await ServeProcess.StartAsync(Cancel, "--cert", cert, "--key", key!, "--http2", "--metrics", "--metrics-port", $"{metricsPort}");
            await serve.Process.WaitForLineAsync(l => l.StartsWith($"Metrics (Prometheus): http://127.0.0.1:{metricsPort}/metrics", StringComparison.Ordinal), "its metrics line", cancellationToken: Cancel);
            await using var prometheus = await PrometheusProcess.StartAsync(metricsPort, Cancel);

            var open = new List<WebSocketConnection>();
            try
            {
                foreach (var version in new[] { WebSocketHttpVersion.Http2, WebSocketHttpVersion.Http2, WebSocketHttpVersion.Http11 })
                {
                    var options = new WebSocketClientOptions { HttpVersion = version, TrustedCertificate = certificate.Certificate };
                    var ws = await WebSocketClient.ConnectAsync(serve.Url("/echo"), options, Cancel).WaitAsync(PeerTimeouts.Step, Cancel);
                    open.Add(ws);
                    await ws.SendTextAsync("counted", Cancel);
                    Assert.Equal("counted", (await ws.ReceiveAsync(Cancel).AsTask().WaitAsync(PeerTimeouts.Step, Cancel)).GetText());
                }
                // This node keeps no history, so positions are refused by the application (400), here over HTTP/2.
                var h2 = new WebSocketClientOptions { HttpVersion = WebSocketHttpVersion.Http2, TrustedCertificate = certificate.Certificate };
                var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(serve.Url("/topic/news?positions=1"), h2, Cancel));
                Assert.Equal("HTTP/2 :status 400", refused.Problems[0].Actual);

                var timeout = TimeSpan.FromSeconds(30);
                Assert.Equal(3, await prometheus.WaitForQueryAsync("ws101_server_active_connections{job=\"ws101\"}", v => v == 3, timeout, Cancel));
                // RFC 8441 §5: an accepted extended CONNECT is answered 200, and counted so.
                Assert.Equal(2, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{http_response_status_code=\"200\",network_protocol_version=\"2\",error_type=\"\"})", v => v == 2, timeout, Cancel));
                Assert.Equal(1, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{http_response_status_code=\"101\",network_protocol_version=\"1.1\"})", v => v == 1, timeout, Cancel));
                Assert.Equal(1, await prometheus.WaitForQueryAsync("sum(ws101_server_handshakes_total{error_type=\"rejected-by-application\",http_response_status_code=\"400\",network_protocol_version=\"2\"})", v => v == 1, timeout, Cancel));
            }
            finally
            {
                foreach (var ws in open)
                {
                    await ws.DisposeAsync();
                }
            }
            Assert.Equal(0, await prometheus.WaitForQueryAsync("ws101_server_active_connections{job=\"ws101\"}", v => v == 0, TimeSpan.FromSeconds(30), Cancel));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Sends an upgrade without Sec-WebSocket-Key (the rest given by <paramref name="headers"/>) and reads the answer's first bytes.</summary>
    private static async Task<string> RawUpgradeAsync(int port, string headers)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Cancel);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{headers}\r\n"), SocketFlags.None, Cancel);
        var buffer = new byte[512];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, Cancel);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
