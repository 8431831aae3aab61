using System.Net.WebSockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Ws101.Client;
using Ws101.Handshake;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.Client;

/// <summary>
/// Our client over HTTP/2 (RFC 8441, <see cref="WebSocketHttpVersion"/>) against servers we did not write: ASP.NET Core's
/// built-in WebSockets (UseWebSockets) on Kestrel with HTTP/2, over TLS with ALPN and over h2c, and Node's http2 module
/// for the servers Kestrel cannot be (HTTP/2 without extended CONNECT, wrong answers to it).
/// </summary>
public sealed class OurClientOverHttp2Tests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static WebSocketClientOptions Http2(TestCertificate? certificate, WebSocketHttpVersion version = WebSocketHttpVersion.Http2) =>
        new() { HttpVersion = version, TrustedCertificate = certificate?.Certificate };

    [Fact]
    public async Task over_tls_with_alpn_h2_our_client_opens_an_http2_stream_to_kestrel_and_exchanges_every_wire_size()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = certificate }, Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(new Uri(kestrel.Url, "/echo"), Http2(certificate), Step());

        Assert.Equal(new Version(2, 0), ws.Handshake.HttpVersion);
        Assert.StartsWith(":method: CONNECT\r\n:protocol: websocket\r\n:scheme: https\r\n", ws.Handshake.RequestText, StringComparison.Ordinal);
        Assert.StartsWith(":status: 200\r\n", ws.Handshake.ResponseText, StringComparison.Ordinal);
        await EchoEveryWireSizeAsync(ws);
        await ws.CloseAsync(CloseCode.NormalClosure, "done", Step());

        PeerEvent open = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", cancellationToken: Cancel);
        Assert.Equal("HTTP/2", open.Http);
        PeerEvent close = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal((1000, "done"), (close.Code, close.Reason));
        Assert.Equal(2 * Payload.WireSizes.Count, kestrel.Events.Count(e => e.Kind == PeerEventKind.Message));
    }

    [Fact]
    public async Task over_h2c_our_client_pings_kestrel_and_both_sides_see_each_others_close_codes()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { HttpProtocols = HttpProtocols.Http2, CloseAfterMessages = 2, CloseStatus = WebSocketCloseStatus.PolicyViolation, CloseReason = "two is enough" }, Cancel);
        await using (WebSocketConnection first = await WebSocketClient.ConnectAsync(kestrel.Url, Http2(null), Step()))
        {
            Assert.Equal(new Version(2, 0), first.Handshake.HttpVersion);
            Assert.Contains(":scheme: http\r\n", first.Handshake.RequestText, StringComparison.Ordinal);
            await SendAndExpectEchoAsync(first, PeerMessageType.Binary, 70_000);
            Task<WebSocketMessage> receiving = first.ReceiveAsync(Step()).AsTask();
            TimeSpan rtt = await first.PingAsync("h2c?"u8.ToArray(), Step());
            Assert.InRange(rtt, TimeSpan.Zero, PeerTimeouts.Step);
            await first.SendTextAsync("second", Step());
            Assert.Equal("second", (await receiving).GetText());
            WebSocketMessage close = await first.ReceiveAsync(Step());
            Assert.True(close.IsClose, close.ToString());
            Assert.Equal((CloseCode.PolicyViolation, "two is enough"), (close.CloseStatus, close.CloseReason));
        }
        await using WebSocketConnection second = await WebSocketClient.ConnectAsync(kestrel.Url, Http2(null), Step());
        await ws_closes_with(second, (CloseCode)4007, "client says bye");
        PeerEvent closed = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close && e.Code == 4007, "our close 4007", cancellationToken: Cancel);
        Assert.Equal("client says bye", closed.Reason);
    }

    private static async Task ws_closes_with(WebSocketConnection ws, CloseCode code, string reason)
    {
        await ws.CloseAsync(code, reason, Step());
        Assert.Equal(ConnectionState.Closed, ws.State);
    }

    [Fact]
    public async Task subprotocol_and_permessage_deflate_are_agreed_over_http2_as_over_http11()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { Certificate = certificate, Protocols = ["superchat"], PerMessageDeflate = true }, Cancel);
        var options = Http2(certificate) with
        {
            Subprotocols = ["chat", "superchat"],
            Origin = "https://example.test",
            Compression = new PerMessageDeflateOptions(),
        };
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(kestrel.Url, options, Step());

        Assert.Equal("superchat", ws.Subprotocol);
        Assert.Equal("permessage-deflate", Assert.Single(ws.Handshake.Extensions).Name);
        Assert.Contains("sec-websocket-protocol: chat, superchat\r\n", ws.Handshake.RequestText, StringComparison.Ordinal);
        Assert.Contains("origin: https://example.test\r\n", ws.Handshake.RequestText, StringComparison.Ordinal);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 1024 * 1024);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
        PeerEvent open = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", cancellationToken: Cancel);
        Assert.Equal(("HTTP/2", "superchat"), (open.Http, open.Protocol));
        Assert.StartsWith("permessage-deflate", open.Extensions, StringComparison.Ordinal);
        Assert.Equal("https://example.test", open.Header("origin"));
    }

    [Fact]
    public async Task several_websockets_to_one_origin_are_streams_of_one_http2_connection()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = certificate }, Cancel);
        var options = Http2(certificate);
        var sockets = new List<WebSocketConnection>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                sockets.Add(await WebSocketClient.ConnectAsync(kestrel.Url, options, Step()));
            }
            foreach (var ws in sockets)
            {
                await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 125);
            }
            var opens = kestrel.Events.Where(e => e.Kind == PeerEventKind.Open).ToList();
            Assert.Equal(4, opens.Count);
            Assert.Single(opens.Select(e => e.HttpConnection).Distinct());
        }
        finally
        {
            foreach (var ws in sockets)
            {
                await ws.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task http2_with_fallback_uses_http11_when_the_server_speaks_http2_without_extended_connect()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("no-connect", certificate, Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(node.EchoUrl, Http2(certificate, WebSocketHttpVersion.Http2OrHttp11), Step());

        Assert.Equal(new Version(1, 1), ws.Handshake.HttpVersion);
        Assert.StartsWith("GET /echo HTTP/1.1\r\n", ws.Handshake.RequestText, StringComparison.Ordinal);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 64 * 1024);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
        Assert.Contains(node.Requests, r => r.Json.GetProperty("http").GetString() == "1.1");
    }

    [Fact]
    public async Task http2_only_fails_against_http2_without_extended_connect_and_the_message_names_the_server()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("no-connect", certificate, Cancel);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(node.EchoUrl, Http2(certificate), Step()));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.ExtendedConnectNotSupported, problem.Code);
        Assert.Contains($"127.0.0.1:{node.Port} speaks HTTP/2", problem.Evidence, StringComparison.Ordinal);
        Assert.Contains("The client did nothing wrong", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 the same URL may well work", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(":method: CONNECT\r\n:protocol: websocket\r\n", ex.RequestText, StringComparison.Ordinal);
        Assert.Contains("sec-websocket-version: 13\r\n", ex.RequestText, StringComparison.Ordinal);
        // Never sent: the runtime refuses before a stream is opened.
        Assert.DoesNotContain(node.Requests, r => r.Json.GetProperty("http").GetString() == "2");
    }

    [Fact]
    public async Task http2_only_over_h2c_fails_against_http2_without_extended_connect()
    {
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("no-connect", null, Cancel);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(node.EchoUrl, Http2(null), Step()));
        Assert.Equal(HandshakeProblemCode.ExtendedConnectNotSupported, Assert.Single(ex.Problems).Code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task against_an_http11_only_server_http2_with_fallback_connects_over_http11_and_http2_only_says_the_server_has_no_http2(bool tls)
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)],
            Certificate = tls ? certificate.Certificate : null,
        });
        server.Map("/echo", async (ws, ct) =>
        {
            while (await ws.ReceiveAsync(ct) is { IsClose: false } m)
            {
                await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
            }
        });
        await server.StartAsync(Cancel);
        var url = new Uri($"{(tls ? "wss" : "ws")}://127.0.0.1:{server.EndPoints[0].Port}/echo");

        await using (WebSocketConnection ws = await WebSocketClient.ConnectAsync(url, Http2(certificate, WebSocketHttpVersion.Http2OrHttp11), Step()))
        {
            Assert.Equal(new Version(1, 1), ws.Handshake.HttpVersion);
            await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 126);
            await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
        }
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, Http2(certificate), Step()));
        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.Http2NotNegotiated, problem.Code);
        Assert.Contains($"127.0.0.1:{url.Port} did not", problem.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_200_carrying_sec_websocket_accept_is_refused_as_an_http11_answer()
    {
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("accept-200", null, Cancel);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(node.EchoUrl, Http2(null), Step()));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.UpgradeHeadersInHttp2, problem.Code);
        Assert.Equal("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", problem.Actual);
        Assert.StartsWith(":status: 200\r\n", ex.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_200_page_answering_the_extended_connect_is_not_taken_for_a_websocket()
    {
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("page-200", null, Cancel);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(node.EchoUrl, Http2(null), Step()));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.ConnectResponseHasContent, problem.Code);
        Assert.Contains("content-type: text/html", problem.Evidence, StringComparison.Ordinal);
        Assert.Contains("<!DOCTYPE html>", problem.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_403_over_http2_is_explained_as_over_http11_with_its_body()
    {
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("status-403", null, Cancel);
        var options = Http2(null) with { Origin = "https://evil.test" };
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(node.EchoUrl, options, Step()));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(HandshakeProblemCode.Forbidden, problem.Code);
        Assert.Equal("HTTP/2 :status 403", problem.Actual);
        Assert.Contains("Origin: https://evil.test", problem.Evidence, StringComparison.Ordinal);
        Assert.Contains("Origin not allowed", ex.ResponseText, StringComparison.Ordinal);
    }
}
