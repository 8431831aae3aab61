using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Chromium trusting exactly one <see cref="TestCertificate"/> (by its public key), not every certificate.</summary>
public sealed class ChromiumTrustingOneCertificateTests : IAsyncLifetime
{
    private readonly TestCertificate _trusted = TestCertificate.Create("trusted");
    private readonly TestCertificate _stranger = TestCertificate.Create("stranger");
    private ChromiumPeer? _chromium;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _chromium = await ChromiumPeer.LaunchAsync(new ChromiumOptions { TrustedCertificates = [_trusted] }, Cancel);

    [Fact]
    public async Task chromium_connects_over_wss_to_the_trusted_certificate_and_refuses_another()
    {
        await using KestrelEchoServer trusted = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = _trusted }, Cancel);
        await using KestrelEchoServer stranger = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = _stranger }, Cancel);

        PeerTranscript good = await _chromium!.RunClientAsync(trusted.Url, new PeerScript().SendBinary(126).Receive(), Cancel);
        PeerTranscript refused = await _chromium.RunClientAsync(stranger.Url, new PeerScript().SendBinary(126).Receive(), Cancel);

        good.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Null(refused.Open);
        Assert.Equal(1006, refused.Close?.Code);
    }

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        _trusted.Dispose();
        _stranger.Dispose();
    }
}
