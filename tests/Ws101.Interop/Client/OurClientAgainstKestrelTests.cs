using System.Net.WebSockets;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.Client;

/// <summary>Our client against ASP.NET Core's WebSockets (Kestrel) in this process.</summary>
public sealed class OurClientAgainstKestrelTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task our_client_gets_text_and_binary_of_every_wire_size_echoed_by_kestrel()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(new Uri(kestrel.Url, "/echo"), cancellationToken: Step());

        await EchoEveryWireSizeAsync(ws);
        await ws.CloseAsync(CloseCode.NormalClosure, "done", Step());

        PeerEvent close = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal((1000, "done"), (close.Code, close.Reason));
        Assert.Equal(2 * Payload.WireSizes.Count, kestrel.Events.Count(e => e.Kind == PeerEventKind.Message));
    }

    [Fact]
    public async Task our_client_sees_the_close_code_and_reason_kestrel_sends()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { CloseAfterMessages = 1, CloseStatus = WebSocketCloseStatus.PolicyViolation, CloseReason = "one is enough" }, Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(kestrel.Url, cancellationToken: Step());

        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 126);
        WebSocketMessage close = await ws.ReceiveAsync(Step());

        Assert.True(close.IsClose, close.ToString());
        Assert.Equal((CloseCode.PolicyViolation, "one is enough"), (close.CloseStatus, close.CloseReason));
        Assert.Equal(ConnectionState.Closed, ws.State);
    }

    [Fact]
    public async Task our_client_pings_kestrel_and_gets_an_echo_over_wss()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = certificate }, Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(kestrel.Url, new WebSocketClientOptions { TrustedCertificate = certificate.Certificate }, Step());

        await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 64 * 1024);
        Task<WebSocketMessage> receiving = ws.ReceiveAsync(Step()).AsTask();
        TimeSpan rtt = await ws.PingAsync("kestrel?"u8.ToArray(), Step());
        await ws.SendTextAsync("after", Step());

        Assert.Equal("after", (await receiving).GetText());
        Assert.InRange(rtt, TimeSpan.Zero, PeerTimeouts.Step);
        await ws.CloseAsync((CloseCode)4003, "wss done", Step());
        PeerEvent close = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal((4003, "wss done"), (close.Code, close.Reason));
    }
}
