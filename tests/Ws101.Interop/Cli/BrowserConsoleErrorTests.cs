using Ws101.Cli;
using Ws101.Handshake;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// Issue 15, item 3: the exact words Chromium prints for each deliberately broken server, read from its console through
/// Playwright, are diagnosed with the right problem code, by <c>ws101 diagnose</c> and by the diagnoser, and the
/// message's URL becomes the <c>ws101 probe</c> to run next.
/// </summary>
[Collection(ChromiumRecorderCollection.Name)]
public sealed class BrowserConsoleErrorTests(ChromiumRecorderFixture browser)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Every broken server, the problem code its console line must give, and the cause where one is named.</summary>
    public static TheoryData<BrokenAnswer, string, string?> EveryBrokenServer() => new()
    {
        { BrokenAnswer.Sha256Accept, "accept-mismatch", null },
        { BrokenAnswer.HtmlOk, "success-not-upgrade", null },
        { BrokenAnswer.UpgradeRequiredOldVersions, "upgrade-required", null },
        { BrokenAnswer.ClosedMidResponse, "truncated-head", null },
        { BrokenAnswer.NeverAnswers, "handshake-timeout", "closed-by-page" },
        { BrokenAnswer.Forbidden, "forbidden", null },
        { BrokenAnswer.MaskedFrame, "protocol-violation", "masked-frame" },
        { BrokenAnswer.ReservedOpcode, "protocol-violation", "reserved-opcode" },
        { BrokenAnswer.InvalidUtf8Text, "protocol-violation", "invalid-utf8" },
        { BrokenAnswer.BadCloseCode, "protocol-violation", "invalid-close-code" },
    };

    [Fact]
    public void the_theory_covers_every_broken_server()
    {
        var covered = EveryBrokenServer().Select(row => row.Data.Item1).Append(BrokenAnswer.CloseThenReset).ToHashSet();
        Assert.Equal(Enum.GetValues<BrokenAnswer>().ToHashSet(), covered);
    }

    [Theory]
    [MemberData(nameof(EveryBrokenServer))]
    public async Task chromiums_console_line_for_a_broken_server_is_diagnosed_with_its_code(BrokenAnswer answer, string code, string? cause)
    {
        await using BrokenServer server = BrokenServer.Start(answer);

        // A server that never answers is given up by the page itself after a second, as an application's timeout would.
        var run = await browser.Recorder.OpenWebSocketAsync(server.Url, closeAfter: TimeSpan.FromSeconds(1), cancellationToken: Cancel);

        string line = Assert.Single(run.WebSocketErrors);
        TestContext.Current.SendDiagnosticMessage($"{answer}: {line}");
        var error = Assert.Single(BrowserErrors.Find(line));
        Assert.Equal("Chromium", error.Browser);
        Assert.Equal(server.Url.AbsoluteUri, error.Url);
        Assert.Equal(code, error.Problem?.Id);
        Assert.Equal(cause, error.Problem!.Cause);

        var (exit, output, _) = await CliProgram.RunAsync(["diagnose"], line, PeerTimeouts.Step, TestContext.Current.CancellationToken);
        Assert.Equal(1, exit);
        Assert.Contains($"[{code}]", output, StringComparison.Ordinal);
        Assert.Contains($"ws101 probe {server.Url.AbsoluteUri}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_server_that_says_goodbye_and_resets_leaves_no_console_error_to_diagnose()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.CloseThenReset);

        var run = await browser.Recorder.OpenWebSocketAsync(server.Url, cancellationToken: Cancel);

        // Chromium logs nothing: the page sees the server's 1001 "gone", or 1006 when the reset overtakes the close frame,
        // so a HAR's frames or the page's own close handler are where such an ending shows.
        Assert.Contains("open", run.Events);
        Assert.Contains(run.Events, e => e.StartsWith("close 1001 gone", StringComparison.Ordinal) || e.StartsWith("close 1006", StringComparison.Ordinal));
        Assert.Empty(run.WebSocketErrors);
    }

    [Fact]
    public async Task a_refused_connection_is_connection_failed()
    {
        var url = new Uri($"ws://127.0.0.1:{LoopbackPort.GetFree()}/nothing-here");

        var run = await browser.Recorder.OpenWebSocketAsync(url, cancellationToken: Cancel);

        string line = Assert.Single(run.WebSocketErrors);
        Assert.Contains("net::ERR_CONNECTION_REFUSED", line, StringComparison.Ordinal);
        Assert.Equal("connection-failed", Assert.Single(BrowserErrors.Find(line)).Problem?.Id);
    }
}
