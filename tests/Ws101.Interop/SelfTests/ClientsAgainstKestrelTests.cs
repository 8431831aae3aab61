using System.Net.WebSockets;
using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Node's and Python's clients against ASP.NET Core's WebSockets: proves <see cref="KestrelEchoServer"/> as a server for any client.</summary>
public sealed class ClientsAgainstKestrelTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task kestrel_echoes_every_wire_size_and_answers_a_ping(string clientName)
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(kestrel.Url, PeerScript.EchoEveryWireSize().Ping("are you there").SendText(126, fragments: 3).Receive(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(13, run.Pongs.Single().Length);
        Assert.Equal(2 * Payload.WireSizes.Count + 1, kestrel.Events.Count(e => e.Kind == PeerEventKind.Message));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task a_client_sees_the_close_code_and_reason_kestrel_sends(string clientName)
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { CloseAfterMessages = 2, CloseStatus = WebSocketCloseStatus.PolicyViolation, CloseReason = "two is enough" }, Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(kestrel.Url, new PeerScript().SendText(1).Receive().SendBinary(2).Receive().WaitClose(), Cancel);

        run.EnsureSucceeded();
        Assert.Equal((1008, "two is enough"), (run.Close!.Code, run.Close.Reason));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task kestrel_sees_the_close_code_and_reason_a_client_sends(string clientName)
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(kestrel.Url, new PeerScript().Close(4999, "client is done"), Cancel);

        run.EnsureSucceeded();
        PeerEvent close = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the close", cancellationToken: Cancel);
        Assert.Equal((4999, "client is done"), (close.Code, close.Reason));
    }
}
