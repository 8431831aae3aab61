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
        Assert.Equal((4002, OurServer.Close4002Reason), (run.Close!.Code, run.Close.Reason));
    }

    [Fact]
    public async Task our_servers_handler_sees_the_close_code_and_reason_chromium_sends_and_its_origin()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        var script = new PeerScript().SendText(3).Receive().Close(4001, "x");
        script.Protocols.Add("ws101.v1");

        PeerTranscript run = await browser.Chromium.RunClientAsync(server.Url("/proto"), script, Cancel);

        run.EnsureSucceeded();
        Assert.Equal("ws101.v1", run.Open!.Protocol);
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the upgrade", cancellationToken: Cancel);
        Assert.Equal(browser.Chromium.PageUrl.GetLeftPart(UriPartial.Authority), open.Json.GetProperty("origin").GetString());
        PeerEvent close = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the browser's close", cancellationToken: Cancel);
        Assert.Equal((4001, "x"), (close.Code, close.Reason));
    }

    [Fact]
    public async Task stopping_our_server_closes_chromium_with_1001()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);

        Task<PeerTranscript> running = browser.Chromium.RunClientAsync(server.Url("/echo"), new PeerScript().SendText(5).Receive().WaitClose(), Cancel);
        await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Message, "the browser's message", cancellationToken: Cancel);
        await server.Server.StopAsync(Cancel);
        PeerTranscript run = await running;

        run.EnsureSucceeded();
        Assert.Equal(1001, run.Close!.Code);
        Assert.True(run.Close.Json.GetProperty("wasClean").GetBoolean(), run.Describe());
    }
}
