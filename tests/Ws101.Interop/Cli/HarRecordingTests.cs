using System.Text.Json;
using Ws101.Cli;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// Issue 15, item 2: HAR files recorded by headless Chromium (Playwright's RecordHarPath) against our server and the
/// broken ones, diagnosed by <c>ws101 diagnose</c> with the right code. Set WS101_RECORD_HAR_FIXTURES to a folder to
/// keep the recordings: tests/Ws101.Tests/Handshake/Fixtures holds the ones committed, read by the unit tests.
/// </summary>
[Collection(ChromiumRecorderCollection.Name)]
public sealed class HarRecordingTests(ChromiumRecorderFixture browser)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, BrokenAnswer, string> BrokenRecordings() => new()
    {
        { "wrong-accept", BrokenAnswer.Sha256Accept, "accept-mismatch" },
        { "200-page", BrokenAnswer.HtmlOk, "success-not-upgrade" },
        { "403", BrokenAnswer.Forbidden, "forbidden" },
        { "426", BrokenAnswer.UpgradeRequiredOldVersions, "upgrade-required" },
        { "closed-mid-head", BrokenAnswer.ClosedMidResponse, "truncated-head" },
    };

    [Theory]
    [MemberData(nameof(BrokenRecordings))]
    public async Task a_har_recorded_against_a_broken_server_is_diagnosed_with_its_code(string name, BrokenAnswer answer, string code)
    {
        await using BrokenServer server = BrokenServer.Start(answer);
        string har = Path.Combine(Path.GetTempPath(), $"ws101-{name}-{Guid.NewGuid():N}.har");
        try
        {
            await browser.Recorder.OpenWebSocketAsync(server.Url, har, cancellationToken: Cancel);

            var (exit, output) = await DiagnoseAsync(har);
            Assert.True(exit == 1, output);
            Assert.Contains("1 WebSocket upgrade, 1 failed", output, StringComparison.Ordinal);
            Assert.Contains($"FAILED [{code}]", output, StringComparison.Ordinal);
            Assert.Contains($"ws101 probe {server.Url.AbsoluteUri}", output, StringComparison.Ordinal);
            using var json = JsonDocument.Parse((await DiagnoseAsync(har, "--json")).Output);
            var upgrade = Assert.Single(json.RootElement.GetProperty("upgrades").EnumerateArray());
            Assert.Equal(code, upgrade.GetProperty("problems")[0].GetProperty("code").GetString());
            Keep(har, $"chromium-{name}.har");
        }
        finally
        {
            File.Delete(har);
        }
    }

    [Fact]
    public async Task a_har_recorded_against_our_server_is_valid_and_sums_up_the_frames()
    {
        await using OurServer server = await OurServer.StartAsync(cancellationToken: Cancel);
        string har = Path.Combine(Path.GetTempPath(), $"ws101-good-{Guid.NewGuid():N}.har");
        try
        {
            // /bye echoes the page's two messages, then closes with 4000 "bye".
            var run = await browser.Recorder.OpenWebSocketAsync(server.Url("/bye"), har, cancellationToken: Cancel);
            Assert.Contains("close 4000 bye", run.Events);

            var (exit, output) = await DiagnoseAsync(har);
            Assert.True(exit == 0, output);
            Assert.Contains("1 WebSocket upgrade, 0 failed", output, StringComparison.Ordinal);
            Assert.Contains("2 sent (10 B), 2 received (10 B)", output, StringComparison.Ordinal);
            Assert.Contains("OK: every WebSocket upgrade in the HAR is valid.", output, StringComparison.Ordinal);
            Keep(har, "chromium-good.har");
        }
        finally
        {
            File.Delete(har);
        }
    }

    private static async Task<(int Exit, string Output)> DiagnoseAsync(string har, params string[] more)
    {
        var (exit, output, error) = await CliProgram.RunAsync(["diagnose", har, .. more], "", PeerTimeouts.Step, TestContext.Current.CancellationToken);
        return (exit, output + error);
    }

    /// <summary>Copies a recording to WS101_RECORD_HAR_FIXTURES, when set, to refresh the committed fixtures.</summary>
    private static void Keep(string har, string name)
    {
        if (Environment.GetEnvironmentVariable("WS101_RECORD_HAR_FIXTURES") is { Length: > 0 } folder)
        {
            File.Copy(har, Path.Combine(folder, name), overwrite: true);
        }
    }
}
