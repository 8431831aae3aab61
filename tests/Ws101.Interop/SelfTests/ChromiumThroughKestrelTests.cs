using System.Net.WebSockets;
using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Chromium's own WebSocket against ASP.NET Core's, over ws://: proves <see cref="ChromiumPeer"/> and <see cref="KestrelEchoServer"/>.</summary>
public sealed class ChromiumThroughKestrelTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private readonly ChromiumPeer _chromium = browser.Chromium;

    public static TheoryData<string, int> Messages()
    {
        var data = new TheoryData<string, int>();
        foreach (int size in Payload.WireSizes)
        {
            data.Add(PeerMessageType.Text, size);
            data.Add(PeerMessageType.Binary, size);
        }
        return data;
    }

    [Fact]
    public void the_browser_is_the_installed_chromium_with_the_harness_flags()
    {
        Assert.Matches(@"^\d+\.\d+", _chromium.Version);
        Assert.Contains("--disable-background-networking", _chromium.Arguments);
        Assert.DoesNotContain("--ignore-certificate-errors", _chromium.Arguments);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task chromium_gets_its_message_echoed_intact_by_kestrel(string type, int size)
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        PeerTranscript run = await _chromium.RunClientAsync(new Uri(kestrel.Url, "echo"), new PeerScript().Send(type, size).Receive(), TestContext.Current.CancellationToken);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Equal(Payload.Sha256Hex(Payload.Bytes(type, size)), run.Received.Single().Sha256);
        PeerEvent seen = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Message, "chromium's message", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((type, (long)size), (seen.Type, seen.Length!.Value));
    }

    [Fact]
    public async Task chromium_sees_the_close_code_and_reason_that_kestrel_sends()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(
            new KestrelEchoOptions { CloseAfterMessages = 1, CloseStatus = (WebSocketCloseStatus)4321, CloseReason = "kestrel says goodbye" },
            TestContext.Current.CancellationToken);

        PeerTranscript run = await _chromium.RunClientAsync(kestrel.Url, new PeerScript().SendText("last words").Receive().WaitClose(), TestContext.Current.CancellationToken);

        run.EnsureSucceeded();
        Assert.Equal((4321, "kestrel says goodbye"), (run.Close!.Code, run.Close.Reason));
    }

    [Fact]
    public async Task kestrel_sees_the_close_code_and_reason_that_chromium_sends()
    {
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        PeerTranscript run = await _chromium.RunClientAsync(kestrel.Url, new PeerScript().Close(4000, "browser leaves"), TestContext.Current.CancellationToken);

        run.EnsureSucceeded();
        PeerEvent close = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the close", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((4000, "browser leaves"), (close.Code, close.Reason));
        PeerEvent open = kestrel.Events.First(e => e.Kind == PeerEventKind.Open);
        Assert.Equal(_chromium.PageUrl.GetLeftPart(UriPartial.Authority), open.Header("origin"));
    }
}
