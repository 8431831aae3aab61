using Ws101.Client;
using Ws101.Handshake;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.Client;

/// <summary>Our client against Node's <c>ws</c> and Python's <c>websockets</c> as servers.</summary>
public sealed class OurClientAgainstScriptedServersTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_gets_text_and_binary_of_every_wire_size_echoed(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript(), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        await EchoEveryWireSizeAsync(ws);
        await ws.CloseAsync(CloseCode.NormalClosure, "done", Step());

        Assert.Equal(2 * Payload.WireSizes.Count, peer.Events.Count(e => e.Kind == PeerEventKind.Message));
        PeerEvent close = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal((1000, "done"), (close.Code, close.Reason));
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_receives_the_peers_fragmented_messages_whole(string serverName)
    {
        // The peer sends two fragmented messages of its own, then echoes ours in 4 frames.
        var script = new PeerScript { EchoFragments = 4 }.SendText(126, fragments: 3).SendBinary(1024 * 1024, fragments: 16).Receive();
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(script, Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        await ExpectMessageAsync(ws, PeerMessageType.Text, 126);
        await ExpectMessageAsync(ws, PeerMessageType.Binary, 1024 * 1024);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 64 * 1024);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());

        // A peer reports a send when its library finished it, which may be after we read the message.
        await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Sent && peer.Events.Count(x => x.Kind == PeerEventKind.Sent) >= 2, "both sends reported", cancellationToken: Cancel);
        Assert.Equal([3, 16], peer.Events.Where(e => e.Kind == PeerEventKind.Sent).Select(e => e.Fragments ?? 1));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_answers_the_peers_ping_with_a_pong(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().Ping("hello client"), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        // Pongs go out from the receive loop, so one receive is pending while the peer pings.
        Task<WebSocketMessage> receiving = ws.ReceiveAsync(Step()).AsTask();
        PeerEvent pong = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Pong, "our client's pong", cancellationToken: Cancel);
        await ws.SendTextAsync("after the ping", Step());
        WebSocketMessage echo = await receiving;

        Assert.Equal(12, pong.Length);
        Assert.Equal("after the ping", echo.GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_pings_the_peer_and_gets_its_pong(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript(), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        Task<WebSocketMessage> receiving = ws.ReceiveAsync(Step()).AsTask();
        TimeSpan rtt = await ws.PingAsync("from ws101"u8.ToArray(), Step());
        await ws.SendTextAsync("and a message", Step());

        Assert.Equal("and a message", (await receiving).GetText());
        Assert.InRange(rtt, TimeSpan.Zero, PeerTimeouts.Step);
        PeerEvent ping = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Ping, "our ping", cancellationToken: Cancel);
        Assert.Equal(10, ping.Length);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task the_peer_sees_the_close_code_and_reason_our_client_sends(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript(), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        await ws.CloseAsync((CloseCode)4001, "x", Step());

        PeerEvent close = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal((4001, "x"), (close.Code, close.Reason));
        Assert.Equal(ConnectionState.Closed, ws.State);
        Assert.Equal((CloseCode)4001, ws.CloseStatus);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_sees_the_close_code_and_reason_the_peer_sends(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().Receive().Close(4002, "peer done"), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 125);
        WebSocketMessage close = await ws.ReceiveAsync(Step());

        Assert.True(close.IsClose, close.ToString());
        Assert.Equal(((CloseCode)4002, "peer done"), (close.CloseStatus, close.CloseReason));
        Assert.Equal(ConnectionState.Closed, ws.State);
        // The peer's close step ends only when our reply came: its close event is the code we echoed.
        PeerEvent reply = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our reply to the close", cancellationToken: Cancel);
        Assert.Equal(4002, reply.Code);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_gets_an_echo_over_wss_trusting_the_test_certificate(string serverName)
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript { ServerCertificate = certificate }, Cancel);
        Assert.Equal("wss", peer.Url.Scheme);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, new WebSocketClientOptions { TrustedCertificate = certificate.Certificate }, Step());

        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 64 * 1024);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 1024 * 1024);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_sees_1006_when_the_peer_server_drops_the_connection(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().Receive().Terminate(), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        await ws.SendTextAsync("bye", Step());
        WebSocketMessage last = await ws.ReceiveAsync(Step());
        if (!last.IsClose)
        {
            // The echo may come before the drop.
            last = await ws.ReceiveAsync(Step());
        }

        Assert.True(last.IsClose, last.ToString());
        Assert.Equal(CloseCode.AbnormalClosure, last.CloseStatus);
        Assert.Equal(ConnectionState.Closed, ws.State);
        await Assert.ThrowsAsync<WebSocketClosedException>(async () => await ws.SendTextAsync("too late", Step()));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_clients_keepalive_pings_an_idle_peer_and_the_connection_stays_open(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript(), Cancel);
        var options = new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(500), KeepAliveTimeout = TimeSpan.FromSeconds(5) },
        };
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, options, Step());

        Task<WebSocketMessage> receiving = ws.ReceiveAsync(Step()).AsTask();
        await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Ping, "a keepalive ping", TimeSpan.FromSeconds(10), Cancel);
        await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Ping && peer.Events.Count(p => p.Kind == PeerEventKind.Ping) >= 2, "a second keepalive ping", TimeSpan.FromSeconds(10), Cancel);
        await ws.SendTextAsync("still here", Step());

        Assert.Equal("still here", (await receiving).GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_sends_its_headers_origin_and_subprotocols_and_takes_the_one_agreed(string serverName)
    {
        var script = new PeerScript();
        script.Protocols.Add("chat.v2");
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(script, Cancel);
        var options = new WebSocketClientOptions
        {
            Handshake = new ClientHandshakeOptions
            {
                Subprotocols = ["chat.v1", "chat.v2"],
                Origin = "http://ws101.test",
                Headers = [new("X-Ws101-Test", "yes")],
            },
        };
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(new Uri(peer.Url, "/room?id=7"), options, Step());

        Assert.Equal("chat.v2", ws.Subprotocol);
        await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 10);
        PeerEvent open = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the upgrade", cancellationToken: Cancel);
        Assert.Equal("/room?id=7", open.Path);
        Assert.Equal("chat.v2", open.Protocol);
        Assert.Equal("yes", open.Header("x-ws101-test"));
        Assert.Equal("http://ws101.test", open.Header("origin"));
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }

    [Fact]
    public async Task our_client_sees_1005_when_node_closes_without_a_code()
    {
        // Node only: Python's websockets 10.4 always puts a code (1000 by default) in its Close.
        await using IPeerServer peer = await NodeWsPeer.Instance.StartServerAsync(new PeerScript().Close(null), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        WebSocketMessage close = await ws.ReceiveAsync(Step());

        Assert.True(close.IsClose, close.ToString());
        Assert.Equal((CloseCode.NoStatusReceived, ""), (close.CloseStatus, close.CloseReason));
        PeerEvent reply = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our reply", cancellationToken: Cancel);
        Assert.Equal(1005, reply.Code);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_closes_with_1009_when_the_peer_sends_a_message_over_its_limit(string serverName)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().SendBinary(1024 * 1024 + 1).WaitClose(), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        WebSocketMessage close = await ws.ReceiveAsync(Step());

        Assert.True(close.IsClose, close.ToString());
        Assert.Equal(CloseCode.MessageTooBig, close.CloseStatus);
        PeerEvent seen = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "our close", cancellationToken: Cancel);
        Assert.Equal(1009, seen.Code);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_client_accepts_text_whose_fragments_split_multibyte_characters(string serverName)
    {
        string text = string.Concat(Enumerable.Repeat("héllo wörld ✓ 🎉 ünïcödé — ", 40));
        await using IPeerServer peer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().SendText(text, fragments: 7), Cancel);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(peer.Url, cancellationToken: Step());

        WebSocketMessage message = await ws.ReceiveAsync(Step());

        Assert.Equal((WebSocketMessageKind.Text, true), (message.Kind, message.EndOfMessage));
        Assert.Equal(text, message.GetText());
        PeerEvent sent = await peer.WaitForEventAsync(e => e.Kind == PeerEventKind.Sent, "the peer's send", cancellationToken: Cancel);
        Assert.Equal(7, sent.Fragments);
        await ws.CloseAsync(CloseCode.NormalClosure, "", Step());
    }
}
