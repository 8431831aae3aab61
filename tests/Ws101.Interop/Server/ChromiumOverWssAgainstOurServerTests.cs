using Ws101.Interop.Harness;

namespace Ws101.Interop.Server;

/// <summary>
/// Chromium against our server over wss://, trusting exactly the test's certificate (by its public key,
/// not --ignore-certificate-errors), with its own browser for the class.
/// </summary>
public sealed class ChromiumOverWssAgainstOurServerTests : IAsyncLifetime
{
    private readonly TestCertificate _certificate = TestCertificate.Create("ws101 server under test");
    private ChromiumPeer? _chromium;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _chromium = await ChromiumPeer.LaunchAsync(new ChromiumOptions { TrustedCertificates = [_certificate] }, Cancel);

    [Fact]
    public async Task chromium_gets_every_wire_size_echoed_by_our_server_over_wss()
    {
        await using OurServer server = await OurServer.StartAsync(certificate: _certificate, cancellationToken: Cancel);
        Assert.Equal("wss", server.Url("/echo").Scheme);

        PeerTranscript run = await _chromium!.RunClientAsync(server.Url("/echo"), PeerScript.EchoEveryWireSize(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(2 * Payload.WireSizes.Count, run.Received.Count);
    }

    [Fact]
    public async Task chromium_sees_the_close_code_and_reason_our_server_sends_over_wss()
    {
        await using OurServer server = await OurServer.StartAsync(certificate: _certificate, cancellationToken: Cancel);

        PeerTranscript run = await _chromium!.RunClientAsync(server.Url("/bye"),
            new PeerScript().SendText(0).Receive().SendBinary(64 * 1024).Receive().WaitClose(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal((4000, "bye"), (run.Close!.Code, run.Close.Reason));
    }

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        _certificate.Dispose();
    }
}
