using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>wss:// with an in-process <see cref="TestCertificate"/>: Chromium (ignoring certificate errors) and the scripted peers (trusting the certificate).</summary>
public sealed class SecureWebSocketTests(InsecureChromiumFixture browser) : IClassFixture<InsecureChromiumFixture>, IDisposable
{
    private readonly ChromiumPeer _chromium = browser.Chromium;
    private readonly TestCertificate _certificate = TestCertificate.Create();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task chromium_exchanges_every_wire_size_with_kestrel_over_wss_and_sees_its_close()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { Certificate = _certificate, CloseAfterMessages = 2 * Payload.WireSizes.Count, CloseStatus = (System.Net.WebSockets.WebSocketCloseStatus)4443, CloseReason = "secure bye" }, Cancel);
        Assert.Equal("wss", kestrel.Url.Scheme);

        PeerTranscript run = await _chromium.RunClientAsync(kestrel.Url, PeerScript.EchoEveryWireSize().WaitClose(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal((4443, "secure bye"), (run.Close!.Code, run.Close.Reason));
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.CrossPairs), MemberType = typeof(ScriptedPeers))]
    public async Task a_client_that_trusts_the_test_certificate_talks_to_the_other_library_over_wss(string clientName, string serverName)
    {
        await using IPeerServer server = await ScriptedPeers.ByName(serverName).StartServerAsync(new PeerScript { ServerCertificate = _certificate }, Cancel);
        Assert.Equal("wss", server.Url.Scheme);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(
            server.Url, new PeerScript { TrustedCertificate = _certificate }.SendText(125).Receive().SendBinary(64 * 1024).Receive().Close(4000, "tls ok"), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task a_client_that_does_not_trust_the_certificate_is_refused(string clientName)
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = _certificate }, Cancel);

        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(kestrel.Url, new PeerScript().SendText(1).Receive(), Cancel);

        Assert.False(run.Succeeded, run.Describe());
        Assert.Null(run.Open);
        Assert.Contains(run.Errors, e => e.Message!.Contains("certificate", StringComparison.OrdinalIgnoreCase));
    }

    public void Dispose() => _certificate.Dispose();
}
