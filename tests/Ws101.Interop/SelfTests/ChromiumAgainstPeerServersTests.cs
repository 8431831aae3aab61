using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Chromium as the client of Node's and Python's servers.</summary>
public sealed class ChromiumAgainstPeerServersTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private readonly ChromiumPeer _chromium = browser.Chromium;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task chromium_gets_fragmented_echoes_of_a_mebibyte_and_the_servers_close(string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(
            new PeerScript { EchoFragments = 16, PerMessageDeflate = true }.Receive(2).Close(4321, "from " + serverName), Cancel);

        PeerTranscript run = await _chromium.RunClientAsync(server.Url, new PeerScript().SendBinary(1024 * 1024).Receive().SendText(1024 * 1024).Receive().WaitClose(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.StartsWith("permessage-deflate", run.Open!.Extensions, StringComparison.Ordinal);
        Assert.Equal((4321, "from " + serverName), (run.Close!.Code, run.Close.Reason));
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the open", cancellationToken: Cancel);
        Assert.Equal(_chromium.PageUrl.GetLeftPart(UriPartial.Authority), open.Header("origin"));
    }

    [Fact]
    public async Task a_step_a_browser_cannot_do_fails_the_run_with_a_clear_error()
    {
        await using IPeerServer server = await NodeWsPeer.Instance.StartServerAsync(cancellationToken: Cancel);

        PeerTranscript run = await _chromium.RunClientAsync(server.Url, new PeerScript().Ping(), Cancel);

        Assert.False(run.Succeeded);
        Assert.Equal("a browser cannot send a ping", run.Errors[^1].Message);
    }
}
