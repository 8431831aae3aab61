using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Cli;

/// <summary><c>ws101 serve --origin</c> against the Origin a real browser sends from its page.</summary>
public sealed class ServeOriginAllowListTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ws101_serve_lets_chromium_in_when_its_page_origin_is_allowed_and_refuses_it_otherwise()
    {
        string pageOrigin = browser.Chromium.PageUrl.GetLeftPart(UriPartial.Authority);
        var log = new StringWriter();
        await using WebSocketServer allowing = await StartServeAsync(log, [pageOrigin]);
        await using WebSocketServer refusing = await StartServeAsync(log, ["https://elsewhere.example"]);

        PeerTranscript allowed = await browser.Chromium.RunClientAsync(new Uri($"ws://127.0.0.1:{allowing.EndPoints[0].Port}/echo"), new PeerScript().SendText(125).Receive(), Cancel);
        PeerTranscript refused = await browser.Chromium.RunClientAsync(new Uri($"ws://127.0.0.1:{refusing.EndPoints[0].Port}/echo"), new PeerScript().SendText(125).Receive(), Cancel);

        allowed.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Null(refused.Open);
        string logged;
        lock (log)
        {
            logged = log.ToString();
        }
        Assert.Contains($"with 403: ", logged, StringComparison.Ordinal);
        Assert.Contains($"Origin '{pageOrigin}' is not allowed", logged, StringComparison.Ordinal);
    }

    private static async Task<WebSocketServer> StartServeAsync(StringWriter log, string[] origins)
    {
        var console = new CliConsole(TextWriter.Synchronized(log), TextWriter.Null, TextReader.Null);
        WebSocketServer server = ServeCommand.Build(console, new ServeCommand.Settings("127.0.0.1", 0, null, null, null, ProtocolOptions.DefaultMaxSize, origins, Quiet: false, Verbose: false));
        await server.StartAsync(Cancel);
        return server;
    }
}
