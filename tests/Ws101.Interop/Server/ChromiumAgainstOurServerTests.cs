using Ws101.Interop.Harness;

namespace Ws101.Interop.Server;

/// <summary>Headless Chromium, through the page's own WebSocket, against our server over ws://.</summary>
public sealed class ChromiumAgainstOurServerTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task chromium_gets_text_and_binary_of_every_wire_size_echoed_by_our_server()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await browser.Chromium.RunClientAsync(server.Url("/echo"), PeerScript.EchoEveryWireSize().Close(1000, "done"), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal([0, 0, 125, 125, 126, 126, 65536, 65536, 1048576, 1048576], run.Received.Select(e => (int)e.Length!.Value));
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the browser's close", cancellationToken: Cancel);
        Assert.Equal((1000, "done"), (close.Code, close.Reason));
    }

    [Fact]
    public async Task chromium_sees_the_close_code_and_reason_our_server_sends()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await browser.Chromium.RunClientAsync(server.Url("/bye"),
            new PeerScript().SendText(125).Receive().SendBinary(126).Receive().WaitClose(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal((4000, "bye"), (run.Close!.Code, run.Close.Reason));
        Assert.True(run.Close.Json.GetProperty("wasClean").GetBoolean(), run.Describe());
    }

    [Fact]
    public async Task chromium_sees_a_close_our_server_sends_right_after_the_handshake()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        PeerTranscript run = await browser.Chromium.RunClientAsync(server.Url("/close-4002"), new PeerScript().WaitClose(), Cancel);

        run.EnsureSucceeded();
        Assert.Equal((4002, "server done"), (run.Close!.Code, run.Close.Reason));
    }
}
