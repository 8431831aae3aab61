using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Server;

public class TlsAndAddressTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    private static X509Certificate2 SelfSigned() => TestCertificates.SelfSigned();

    public static TheoryData<ServerTransport> Transports => [ServerTransport.EventLoop, ServerTransport.Sockets];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task echoes_over_wss_when_the_client_trusts_the_servers_certificate(ServerTransport transport)
    {
        using var cert = SelfSigned();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Certificate = cert, Transport = transport });
        var url = new Uri($"wss://127.0.0.1:{server.EndPoints[0].Port}/echo");
        await using var ws = await WebSocketClient.ConnectAsync(url, new WebSocketClientOptions { TrustedCertificate = cert }, Timeout);
        var payload = new byte[70_000];
        Random.Shared.NextBytes(payload);
        await ws.SendBinaryAsync(payload, Timeout);
        Assert.True((await ws.ReceiveAsync(Timeout)).Data.Span.SequenceEqual(payload));
        await ws.CloseAsync(CloseCode.NormalClosure, "", Timeout);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task over_wss_on_each_transport_messages_split_every_way_across_tls_records_echo_whole_and_in_order()
    {
        foreach (var transport in new[] { ServerTransport.Auto, ServerTransport.EventLoop, ServerTransport.Sockets })
        {
            await EchoesEverySizeAsync(transport);
        }
    }

    private static async Task EchoesEverySizeAsync(ServerTransport transport)
    {
        using var cert = SelfSigned();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Certificate = cert, Transport = transport });
        var url = new Uri($"wss://127.0.0.1:{server.EndPoints[0].Port}/echo");
        await using var ws = await WebSocketClient.ConnectAsync(url, new WebSocketClientOptions { TrustedCertificate = cert }, Timeout);
        // Sizes around the TLS record (16 KiB) and the receive buffer, so that frames and records split every way.
        int[] sizes = [0, 1, 125, 126, 16_375, 16_384, 16_392, 40_000, 200_000];
        foreach (int size in sizes)
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            await ws.SendBinaryAsync(payload, Timeout);
            Assert.True((await ws.ReceiveAsync(Timeout)).Data.Span.SequenceEqual(payload), $"{transport}: the echo of {size:N0} bytes differs");
        }
        await ws.CloseAsync(CloseCode.NormalClosure, "", Timeout);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task refuses_an_untrusted_certificate_with_tls_failed()
    {
        using var cert = SelfSigned();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Certificate = cert });
        var url = new Uri($"wss://127.0.0.1:{server.EndPoints[0].Port}/echo");
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, cancellationToken: Timeout));
        Assert.Equal("tls-failed", ex.Problems[0].Id);
    }

    [Fact]
    public async Task a_wss_url_to_a_plain_ws_port_fails_with_tls_failed_not_a_hang()
    {
        await using var server = await TestServer.StartEchoAsync();
        var url = new Uri($"wss://127.0.0.1:{server.EndPoints[0].Port}/echo");
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url,
            new WebSocketClientOptions { HandshakeTimeout = TimeSpan.FromSeconds(5) }, Timeout));
        // Our plain server reads the TLS ClientHello as a malformed request line and answers 400 in clear text,
        // which the client's TLS layer rejects at once: a TLS failure, not a wait for the timeout.
        Assert.Equal("tls-failed", ex.Problems[0].Id);
    }

    [Fact]
    public async Task serves_and_connects_over_ipv6_loopback()
    {
        var options = new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.IPv6Loopback, 0)] };
        await using var server = new WebSocketServer(options);
        server.Map("/echo", TestServer.Echo);
        await server.StartAsync(TestContext.Current.CancellationToken);
        var url = new Uri($"ws://[::1]:{server.EndPoints[0].Port}/echo");
        await using var ws = await WebSocketClient.ConnectAsync(url, cancellationToken: Timeout);
        Assert.Contains($"Host: [::1]:{server.EndPoints[0].Port}", ws.Handshake.RequestText, StringComparison.Ordinal);
        await ws.SendTextAsync("six", Timeout);
        Assert.Equal("six", (await ws.ReceiveAsync(Timeout)).GetText());
    }

    [Fact]
    public async Task a_server_that_never_answers_is_given_up_on_by_the_handshake_timeout()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = listener.AcceptTcpClientAsync(Timeout);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"),
            new WebSocketClientOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) }, Timeout));
        Assert.Equal("handshake-timeout", ex.Problems[0].Id);
        Assert.NotNull(ex.RequestText);
        (await accepting).Dispose();
    }
}
