using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Node's ws and Python's websockets talking to each other, each as client and as server.</summary>
public sealed class NodeAndPythonTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task a_client_gets_text_and_binary_of_every_wire_size_echoed_by_the_other_library(string clientName, string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(new Uri(server.Url, "echo?x=1"), PeerScript.EchoEveryWireSize(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(2 * Payload.WireSizes.Count, run.Received.Count);
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", cancellationToken: Cancel);
        Assert.Equal("/echo?x=1", open.Path);
        await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close && e.Code == 1000, "the client's 1000 close", cancellationToken: Cancel);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task fragmented_messages_from_either_side_arrive_whole(string clientName, string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript { EchoFragments = 5 }, Cancel);
        PeerScript script = new PeerScript().SendText(64 * 1024, fragments: 7).Receive().SendBinary(126, fragments: 3).Receive().SendText("héllo wörld ✓", fragments: 4).Receive();

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url, script, Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal([7, 3, 4], run.Sent.Select(s => s.Fragments!.Value));
        Assert.Equal("héllo wörld ✓", run.Received[2].Text);
        Assert.Equal([65536L, 126L, 17L], server.Events.Where(e => e.Kind == PeerEventKind.Message).Select(e => e.Length!.Value));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task a_server_can_speak_first_with_fragmented_messages(string clientName, string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(
            new PeerScript { Echo = false }.SendText(126, fragments: 3).SendBinary(0).SendBinary(64 * 1024, fragments: 64).Receive(), Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url, new PeerScript().Receive(3).SendText("thanks"), Cancel);

        run.EnsureSucceeded();
        Assert.Equal(
            [(PeerMessageType.Text, 126L, Payload.Sha256Hex(Payload.TextBytes(126))), (PeerMessageType.Binary, 0L, Payload.Sha256Hex([])), (PeerMessageType.Binary, 65536L, Payload.Sha256Hex(Payload.Binary(65536)))],
            run.Received.Select(m => (m.Type, m.Length!.Value, m.Sha256)));
        PeerEvent thanks = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Message, "the client's thanks", cancellationToken: Cancel);
        Assert.Equal("thanks", thanks.Text);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task pings_are_answered_with_pongs_both_ways(string clientName, string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(
            new PeerScript().Receive().Ping("from-server").Close(4100, "ping done"), Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(
            server.Url, new PeerScript().Ping("from-client").SendText("pinged").Receive().WaitClose(), Cancel);

        run.EnsureSucceeded();
        Assert.Equal(11, run.Pongs.Single().Length);
        Assert.Equal((4100, "ping done"), (run.Close!.Code, run.Close.Reason));
        PeerEvent pong = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Pong, "the client's pong", cancellationToken: Cancel);
        Assert.Equal(11, pong.Length);
        Assert.Equal(11, run.Pings.Single().Length);
        PeerEvent ping = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Ping, "the client's ping", cancellationToken: Cancel);
        Assert.Equal(11, ping.Length);
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task close_codes_and_reasons_cross_both_ways(string clientName, string serverName)
    {
        IScriptedPeer client = ScriptedPeers.ByName(clientName);
        await using IPeerServer closedByClient = await ScriptedPeers.ByName(serverName).StartServerAsync(cancellationToken: Cancel);
        await using IPeerServer closingServer = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript().Close(4002, "server leaves"), Cancel);

        PeerTranscript leaving = await client.RunClientAsync(closedByClient.Url, new PeerScript().Close(4001, "client leaves"), Cancel);
        PeerTranscript leftBehind = await client.RunClientAsync(closingServer.Url, new PeerScript().WaitClose(), Cancel);

        leaving.EnsureSucceeded();
        PeerEvent seenByServer = await closedByClient.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the client's close", cancellationToken: Cancel);
        Assert.Equal((4001, "client leaves"), (seenByServer.Code, seenByServer.Reason));
        leftBehind.EnsureSucceeded();
        Assert.Equal((4002, "server leaves"), (leftBehind.Close!.Code, leftBehind.Close.Reason));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task permessage_deflate_and_a_subprotocol_are_negotiated(string clientName, string serverName)
    {
        var serverScript = new PeerScript { PerMessageDeflate = true };
        serverScript.Protocols.Add("ws101.echo");
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(serverScript, Cancel);
        PeerScript clientScript = new PeerScript { PerMessageDeflate = true }.SendText(64 * 1024).Receive().SendBinary(1024 * 1024).Receive();
        clientScript.Protocols.Add("other");
        clientScript.Protocols.Add("ws101.echo");
        clientScript.Headers["X-Ws101-Test"] = "yes";

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(server.Url, clientScript, Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal("ws101.echo", run.Open!.Protocol);
        Assert.StartsWith("permessage-deflate", run.Open.Extensions, StringComparison.Ordinal);
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", cancellationToken: Cancel);
        Assert.Equal("yes", open.Header("x-ws101-test"));
    }
}
