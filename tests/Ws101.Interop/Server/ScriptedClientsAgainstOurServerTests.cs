using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Server;

/// <summary>Node's <c>ws</c> and Python's <c>websockets</c>, as clients, against our server.</summary>
public sealed class ScriptedClientsAgainstOurServerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_echoes_text_and_binary_of_every_wire_size(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), PeerScript.EchoEveryWireSize(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(2 * Payload.WireSizes.Count, server.Events.Count(e => e.Kind == PeerEventKind.Message));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_on_the_sockets_transport_echoes_text_and_binary_of_every_wire_size(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(ServerTransport.Sockets, cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), PeerScript.EchoEveryWireSize(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_reassembles_fragmented_messages_and_echoes_them_whole(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        var script = new PeerScript().SendText(64 * 1024, fragments: 4).Receive().SendBinary(126, fragments: 3).Receive()
            .SendText(1024 * 1024, fragments: 16).Receive();

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), script, Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal([4, 3, 16], run.Sent.Select(e => e.Fragments ?? 1));
        IReadOnlyList<PeerEvent> seen = [.. server.Events.Where(e => e.Kind == PeerEventKind.Message)];
        Assert.Equal([65536L, 126L, 1048576L], seen.Select(e => e.Length!.Value));
        Assert.All(seen, e => Assert.Equal(1, e.Fragments));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_answers_the_peers_ping_with_a_pong_carrying_its_payload(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"),
            new PeerScript().Ping("are you there").SendText(5).Receive().Ping(""), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal([13L, 0L], run.Pongs.Select(p => p.Length!.Value));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_pings_the_peer_and_reports_the_round_trip_time(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/ping"), new PeerScript().Receive().Close(1000, "ok"), Cancel);

        run.EnsureSucceeded();
        Assert.Equal(5, run.Pings.Single().Length);
        Assert.Matches(@"^rtt \d+(\.\d+)? ms$", run.Received.Single().Text);
        PeerEvent pong = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Pong, "the pong to our ping", cancellationToken: Cancel);
        Assert.InRange(pong.Json.GetProperty("rtt").GetDouble(), 0, PeerTimeouts.Step.TotalMilliseconds);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_servers_handler_sees_the_close_code_and_reason_the_peer_sends(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().SendText(3).Receive().Close(4001, "x"), Cancel);

        run.EnsureSucceeded();
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the peer's close", cancellationToken: Cancel);
        Assert.Equal((4001, "x"), (close.Code, close.Reason));
        // The closing handshake completed: the peer got its own code back.
        Assert.Equal(4001, run.Close?.Code);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task the_peer_sees_the_close_code_and_reason_our_server_sends(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/close-4002"), new PeerScript().WaitClose(), Cancel);

        run.EnsureSucceeded();
        Assert.Equal((4002, OurServer.Close4002Reason), (run.Close!.Code, run.Close.Reason));
        PeerEvent echoed = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the peer's reply to our close", cancellationToken: Cancel);
        Assert.Equal(4002, echoed.Code);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task the_peer_sees_the_close_our_server_sends_after_echoing_two_messages(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/bye"),
            new PeerScript().SendBinary(1024 * 1024).Receive().SendText(126).Receive().WaitClose(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal((4000, "bye"), (run.Close!.Code, run.Close.Reason));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_accepts_text_whose_fragments_split_multibyte_characters(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        string text = string.Concat(Enumerable.Repeat("héllo wörld ✓ 🎉 ünïcödé — ", 40));

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().SendText(text, fragments: 7).Receive(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal(Payload.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(text)), run.Received.Single().Sha256);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_servers_handler_sees_1006_when_the_peer_drops_the_connection(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().SendText(5).Receive().Terminate(), Cancel);

        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the end of the connection", cancellationToken: Cancel);
        Assert.Equal(1006, close.Code);
        await WaitUntilAsync(() => server.Server.ConnectionCount == 0, "the connection is forgotten");
    }

    public static TheoryData<string, ServerTransport> NamesOnBothTransports()
    {
        var data = new TheoryData<string, ServerTransport>();
        foreach (IScriptedPeer peer in ScriptedPeers.All)
        {
            data.Add(peer.Name, ServerTransport.EventLoop);
            data.Add(peer.Name, ServerTransport.Sockets);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NamesOnBothTransports))]
    public async Task stopping_our_server_closes_the_peer_with_1001(string clientName, ServerTransport transport)
    {
        await using OurServer server = await OurServer.StartAsync(transport, cancellationToken: Cancel);

        Task<PeerTranscript> running = ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().SendText(5).Receive().WaitClose(), Cancel);
        await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Message, "the peer's message", cancellationToken: Cancel);
        await server.Server.StopAsync(Cancel);
        PeerTranscript run = await running;

        run.EnsureSucceeded();
        Assert.Equal(1001, run.Close!.Code);
        Assert.Empty(run.Errors);
        Assert.Equal(0, server.Server.ConnectionCount);
        // The closing handshake finished before the server let go: the connection ended with the peer's reply
        // to 1001, not aborted (1006) when the handler's loop ended on the server's Stopping token.
        WebSocketConnection accepted = server.Accepted.Single();
        Assert.True(accepted.CloseStatus == CloseCode.GoingAway, $"the connection ended with {(int?)accepted.CloseStatus} {accepted.CloseReason}");
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_servers_keepalive_pings_an_idle_peer_and_the_connection_stays_open(string clientName)
    {
        var keepalive = new WebSocketConnectionOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(500), KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        await using OurServer server = await OurServer.StartAsync(connection: keepalive, cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().Sleep(2500).SendText(10).Receive(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.NotEmpty(run.Pings);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_server_agrees_to_its_preferred_subprotocol_and_sees_the_origin(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        var script = new PeerScript { Origin = "http://good.example" }.SendText(1).Receive();
        script.Protocols.Add("ws101.v1");
        script.Protocols.Add("ws101.v2");

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/proto"), script, Cancel);

        run.EnsureSucceeded();
        Assert.Equal("ws101.v2", run.Open!.Protocol);
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the upgrade", cancellationToken: Cancel);
        Assert.Equal(("ws101.v2", "http://good.example"), (open.Protocol, open.Json.GetProperty("origin").GetString()));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task the_peer_gets_403_when_our_server_refuses_its_origin_and_the_server_stays_up(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript refused = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/proto"), new PeerScript { Origin = "http://evil.example" }.SendText(1).Receive(), Cancel);
        PeerTranscript next = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/proto"), new PeerScript().SendText(1).Receive(), Cancel);

        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Null(refused.Open);
        Assert.Equal(403, refused.Errors[0].Json.GetProperty("status").GetInt32());
        next.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
    }

[Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task the_peer_sees_1011_when_our_servers_handler_throws_and_the_server_stays_up(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript failed = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/throw"), new PeerScript().SendText(1).WaitClose(), Cancel);
        PeerTranscript next = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().SendText(1).Receive(), Cancel);

        failed.EnsureSucceeded();
        Assert.Equal((int)CloseCode.InternalServerError, failed.Close!.Code);
        next.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task our_servers_handler_sees_a_close_reason_of_the_full_123_bytes(string clientName)
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        string longest = string.Concat(Enumerable.Repeat("é", 61)) + "x"; // 123 bytes of UTF-8, the most a close frame holds

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url("/echo"), new PeerScript().Close(4999, longest), Cancel);

        run.EnsureSucceeded();
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the peer's close", cancellationToken: Cancel);
        Assert.Equal((4999, longest), (close.Code, close.Reason));
    }

    [Fact]
    public async Task our_servers_handler_sees_1005_when_node_closes_without_a_code()
    {
        // Node only: Python's websockets 10.4 always puts a code (1000 by default) in its Close.
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await NodeWsPeer.Instance.RunClientAsync(server.Url("/echo"), new PeerScript().Close(null), Cancel);

        run.EnsureSucceeded();
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the peer's close", cancellationToken: Cancel);
        Assert.Equal((1005, ""), (close.Code, close.Reason));
    }

    [Fact]
    public async Task our_server_closes_with_1007_when_node_sends_a_text_message_that_is_not_utf8()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        var script = new PeerScript().Add(new PeerStep { Op = "send", Type = PeerMessageType.Text, Base64 = Convert.ToBase64String([0x68, 0x69, 0xC3, 0x28]) }).WaitClose();

        PeerTranscript run = await NodeWsPeer.Instance.RunClientAsync(server.Url("/echo"), script, Cancel);

        Assert.Equal((int)CloseCode.InvalidPayloadData, run.Close?.Code);
        Assert.Empty(run.Received);
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the end of the connection", cancellationToken: Cancel);
        Assert.Equal(1007, close.Code);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < PeerTimeouts.Step, $"timed out waiting until {what}");
            await Task.Delay(20, Cancel);
        }
    }
}
