using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using Ws101.Client;
using Ws101.Handshake;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// MapWs101 accepts RFC 8441 extended CONNECTs through Kestrel beside HTTP/1.1 upgrades, on the same route: .NET's own
/// ClientWebSocket over HTTP/2 (HttpVersion 2.0, exact) and over HTTP/1.1, our client over HTTP/2, over TLS with ALPN and
/// over h2c. The server's handshake info and metrics say which version carried each WebSocket.
/// </summary>
public sealed class MapWs101OverHttp2Tests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<ClientWebSocket> ConnectClientWebSocketAsync(Uri url, HttpMessageInvoker invoker, Version version) =>
        DotnetClientWebSocket.ConnectAsync(url, invoker, version, "superchat", Step());

    private static Task<(WebSocketMessageType Type, byte[] Data)> ReceiveWholeAsync(ClientWebSocket ws) => DotnetClientWebSocket.ReceiveWholeAsync(ws, Step());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task dotnet_clientwebsocket_over_http2_exchanges_messages_pings_and_close_codes_with_mapws101(bool tls)
    {
        using TestCertificate certificate = TestCertificate.Create();
        using var accepted = new HandshakeTags();
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(tls ? certificate : null, cancellationToken: Cancel);
        using HttpMessageInvoker invoker = DotnetClientWebSocket.Invoker(certificate);

        using (ClientWebSocket ws = await ConnectClientWebSocketAsync(server.EchoUrl, invoker, HttpVersion.Version20))
        {
            Assert.Equal("superchat", ws.SubProtocol);
            foreach (int size in Payload.WireSizes)
            {
                foreach (var type in new[] { WebSocketMessageType.Text, WebSocketMessageType.Binary })
                {
                    byte[] payload = Payload.Bytes(type == WebSocketMessageType.Text ? PeerMessageType.Text : PeerMessageType.Binary, size);
                    await ws.SendAsync(payload, type, endOfMessage: true, Step());
                    var (gotType, data) = await ReceiveWholeAsync(ws);
                    Assert.Equal(type, gotType);
                    Assert.Equal(Payload.Sha256Hex(payload), Payload.Sha256Hex(data));
                }
            }
            // The server pings (ClientWebSocket answers with a pong by itself) and reports the round trip.
            await ws.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, Step());
            var (_, pong) = await ReceiveWholeAsync(ws);
            Assert.Matches(@"^pong [0-9.]+ ms$", Encoding.UTF8.GetString(pong));
            // The client closes with its code; the server sees it.
            await ws.CloseAsync((WebSocketCloseStatus)4001, "client bye", Step());
        }
        PeerEvent closed = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the client's close", Cancel);
        Assert.Equal((4001, "client bye"), (closed.Code, closed.Reason));

        using (ClientWebSocket ws = await ConnectClientWebSocketAsync(server.EchoUrl, invoker, HttpVersion.Version20))
        {
            // The server closes with its code; the client sees it.
            await ws.SendAsync("close 4002 server bye"u8.ToArray(), WebSocketMessageType.Text, true, Step());
            var (type, _) = await ReceiveWholeAsync(ws);
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(((WebSocketCloseStatus)4002, "server bye"), (ws.CloseStatus, ws.CloseStatusDescription));
        }

        var opens = server.Events.Where(e => e.Kind == PeerEventKind.Open).ToList();
        Assert.Equal(["2.0", "2.0"], opens.Select(e => e.Http));
        Assert.StartsWith($":method: CONNECT\r\n:protocol: websocket\r\n:scheme: {(tls ? "https" : "http")}\r\n", opens[0].Json.GetProperty("request").GetString(), StringComparison.Ordinal);
        Assert.Equal(":status: 200\r\nsec-websocket-protocol: superchat\r\n\r\n", opens[0].Json.GetProperty("response").GetString());
        Assert.True(accepted.Count("2") >= 2, accepted.Describe());
    }

    [Fact]
    public async Task the_same_route_still_upgrades_http11_and_says_so()
    {
        using TestCertificate certificate = TestCertificate.Create();
        using var accepted = new HandshakeTags();
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(certificate, cancellationToken: Cancel);
        using HttpMessageInvoker invoker = DotnetClientWebSocket.Invoker(certificate);
        using (ClientWebSocket ws = await ConnectClientWebSocketAsync(server.EchoUrl, invoker, HttpVersion.Version11))
        {
            await ws.SendAsync("over 1.1"u8.ToArray(), WebSocketMessageType.Text, true, Step());
            Assert.Equal("over 1.1", Encoding.UTF8.GetString((await ReceiveWholeAsync(ws)).Data));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", Step());
        }
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", Cancel);
        Assert.Equal("1.1", open.Http);
        Assert.StartsWith("GET /echo HTTP/1.1\r\n", open.Json.GetProperty("request").GetString(), StringComparison.Ordinal);
        Assert.True(accepted.Count("1.1") >= 1, accepted.Describe());
    }

    [Fact]
    public async Task our_client_over_http2_agrees_on_permessage_deflate_with_mapws101_and_sends_a_mebibyte_both_ways()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(certificate, compress: true, cancellationToken: Cancel);
        var options = new WebSocketClientOptions
        {
            HttpVersion = WebSocketHttpVersion.Http2,
            TrustedCertificate = certificate.Certificate,
            Compression = new PerMessageDeflateOptions(),
        };
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(server.EchoUrl, options, Step());

        Assert.Equal(new Version(2, 0), ws.Handshake.HttpVersion);
        Assert.Equal("permessage-deflate", Assert.Single(ws.Handshake.Extensions).Name);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 1024 * 1024);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 1024 * 1024);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", Cancel);
        Assert.Equal(("2.0", "permessage-deflate"), (open.Http, open.Extensions));
    }

    [Fact]
    public async Task a_refusal_over_http2_reaches_the_client_as_its_status_with_the_reason_and_is_counted_with_the_version()
    {
        using TestCertificate certificate = TestCertificate.Create();
        using var rejected = new HandshakeTags(refused: true);
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(certificate, cancellationToken: Cancel);
        var url = new Uri(server.EchoUrl, "/members");
        var options = new WebSocketClientOptions { HttpVersion = WebSocketHttpVersion.Http2, TrustedCertificate = certificate.Certificate };

        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, options, Step()));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.Forbidden, problem.Code);
        Assert.Equal("HTTP/2 :status 403", problem.Actual);
        Assert.StartsWith(":status: 403\r\n", ex.ResponseText, StringComparison.Ordinal);
        Assert.Contains("members only", ex.ResponseText, StringComparison.Ordinal);
        // RFC 9113 §8.2.2: no connection-specific field in the HTTP/2 refusal.
        Assert.DoesNotContain("\nupgrade:", ex.ResponseText, StringComparison.Ordinal);
        Assert.True(rejected.Count("2") >= 1, rejected.Describe());
    }

    /// <summary>
    /// The network.protocol.version tags of ws101.server.handshakes, read in-process while the test runs: of the 101s, or
    /// with <c>refused</c> of the handshakes counted with an error.type.
    /// </summary>
    private sealed class HandshakeTags : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _versions = [];

        public HandshakeTags(bool refused = false)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == Ws101Telemetry.MeterName && i.Name == "ws101.server.handshakes")
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                string? version = null;
                bool failed = false;
                foreach (var tag in tags)
                {
                    version = tag.Key == "network.protocol.version" ? tag.Value?.ToString() ?? "" : version;
                    failed |= tag.Key == "error.type";
                }
                if (version is not null && failed == refused)
                {
                    lock (_versions)
                    {
                        _versions.Add(version);
                    }
                }
            });
            _listener.Start();
        }

        public int Count(string version)
        {
            lock (_versions)
            {
                return _versions.Count(v => v == version);
            }
        }

        public string Describe()
        {
            lock (_versions)
            {
                return "network.protocol.version tags seen: " + string.Join(", ", _versions);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
