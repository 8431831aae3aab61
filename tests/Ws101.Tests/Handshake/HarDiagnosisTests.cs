using System.Text;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class HarDiagnosisTests
{
    private static HarReport Diagnose(string fixture)
    {
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add);
        reader.Feed(File.ReadAllBytes(HarFixtures.Path(fixture)), isFinal: true);
        return diagnosis.Finish(reader);
    }

    // Recorded by Chromium against our servers (tests/Ws101.Interop/Cli/HarRecordingTests.cs).
    [Theory]
    [InlineData("chromium-wrong-accept.har", "accept-mismatch")]
    [InlineData("chromium-200-page.har", "success-not-upgrade")]
    [InlineData("chromium-403.har", "forbidden")]
    [InlineData("chromium-426.har", "upgrade-required")]
    [InlineData("chromium-closed-mid-head.har", "truncated-head")]
    public void each_chromium_recording_of_a_broken_server_gets_its_code(string fixture, string code)
    {
        var report = Diagnose(fixture);
        Assert.Equal((2, 1, 1), (report.TotalEntries, report.WebSockets, report.Failed));
        var upgrade = Assert.Single(report.Upgrades);
        Assert.Equal(code, upgrade.Problems[0].Problem.Id);
        // Chromium records no response for a failed handshake: its own words are the evidence.
        Assert.Null(upgrade.Status);
        Assert.NotNull(upgrade.BrowserError);
        Assert.StartsWith("ws://127.0.0.1:", upgrade.ProbeUrl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(-1e300)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void a_frame_time_no_calendar_holds_is_shown_as_its_number_not_thrown(double seconds)
    {
        // Found by fuzzing the har target: a frame "time" of 1e300 made the JSON report throw ArgumentOutOfRangeException.
        Assert.EndsWith("(not a date)", HarReport.FormatTime(seconds), StringComparison.Ordinal);
        Assert.Equal("2025-12-05T00:00:00.000Z", HarReport.FormatTime(1_764_892_800));
    }

    [Fact]
    public void the_chromium_recording_of_a_good_connection_is_valid_with_its_frames()
    {
        var report = Diagnose("chromium-good.har");
        Assert.True(report.IsValid);
        var upgrade = Assert.Single(report.Upgrades);
        Assert.Equal(101, upgrade.Status);
        var m = upgrade.Messages!;
        Assert.Equal((2L, 10L, 2L, 10L), (m.SentCount, m.SentBytes, m.ReceivedCount, m.ReceivedBytes));
        Assert.NotNull(m.LastTime);
    }

    [Fact]
    public void firefox_records_wss_as_https_and_no_resource_type_yet_the_upgrade_is_found_and_valid()
    {
        var report = Diagnose("firefox-good.har");
        Assert.True(report.IsValid);
        var upgrade = Assert.Single(report.Upgrades);
        Assert.Equal("https://chat.example/socket", upgrade.Url);
        Assert.Equal("wss://chat.example/socket", upgrade.ProbeUrl);
    }

    [Fact]
    public void firefox_records_the_whole_failed_response_so_the_cause_of_a_wrong_accept_is_named()
    {
        var p = Assert.Single(Diagnose("firefox-wrong-accept.har").Upgrades).Problems.Single().Problem;
        Assert.Equal(("accept-mismatch", "sha-256"), (p.Id, p.Cause));
    }

    [Fact]
    public void a_200_page_recorded_by_firefox_quotes_the_page()
    {
        var p = Assert.Single(Diagnose("firefox-200-page.har").Upgrades).Problems.Single().Problem;
        Assert.Equal("success-not-upgrade", p.Id);
        Assert.Contains("<!DOCTYPE html>", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("an ordinary web page", p.Explanation, StringComparison.Ordinal);
    }

    // RFC 8441 §5: over HTTP/2 the upgrade is an extended CONNECT answered with 200, with no accept value to check.
    [Fact]
    public void an_h2_entry_is_an_rfc_8441_upgrade_valid_with_200_and_no_accept()
    {
        var report = Diagnose("firefox-h2.har");
        Assert.Equal((2, 1), (report.WebSockets, report.Failed));
        var ok = report.Upgrades[0];
        Assert.True(ok.IsValid, string.Join("; ", ok.Problems));
        Assert.Equal(("h2", 200), (ok.HttpVersion, ok.Status));
        var refused = report.Upgrades[1].Problems.Single().Problem;
        Assert.Equal("forbidden", refused.Id);
        Assert.Contains("instead of a 2xx (200) answer to the extended CONNECT", refused.Explanation, StringComparison.Ordinal);
        Assert.Contains("Origin: https://chat.example", refused.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void a_chromium_h2_entry_with_pseudo_headers_is_valid()
    {
        const string har = """
            {"log":{"creator":{"name":"WebInspector","version":"537.36"},"entries":[{"request":{"method":"GET","url":"wss://h2.example/ws","httpVersion":"h2",
              "headers":[{"name":":method","value":"CONNECT"},{"name":":protocol","value":"websocket"},{"name":":authority","value":"h2.example"},
                         {"name":":path","value":"/ws"},{"name":":scheme","value":"https"},{"name":"sec-websocket-version","value":"13"}]},
              "response":{"status":200,"statusText":"","httpVersion":"h2","headers":[{"name":"date","value":"x"}]},"_resourceType":"websocket","_webSocketMessages":[]}]}}
            """;
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add);
        reader.Feed(Encoding.UTF8.GetBytes(har), isFinal: true);
        var upgrade = Assert.Single(diagnosis.Finish(reader).Upgrades);
        Assert.True(upgrade.IsValid, string.Join("; ", upgrade.Problems));
        Assert.True(upgrade.IsHttp2);
    }

    [Fact]
    public void a_header_name_that_is_not_a_token_is_shown_quoted_so_it_cannot_pass_for_another_header()
    {
        // RFC 9110 §5.1: "field-name = token". Found by the fuzzing campaign's har target (fuzz/regressions/har): a name
        // "Cookie: Unee" printed as the line "Cookie: Unee: s=1", an unmasked Cookie to whoever reads the report.
        const string har = """
            {"log":{"entries":[{"request":{"method":"GET","url":"ws://app.example/ws","httpVersion":"HTTP/1.1",
              "headers":[{"name":"Host","value":"app.example"},{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},
                         {"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="},{"name":"Sec-WebSocket-Version","value":"13"},
                         {"name":"Cookie: Unee","value":"s=1"},{"name":"X-Evil\r\nCookie","value":"t=2"}]},
              "response":{"status":101,"statusText":"Switching Protocols","httpVersion":"HTTP/1.1","headers":[]},"_resourceType":"websocket"}]}}
            """;
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add);
        reader.Feed(Encoding.UTF8.GetBytes(har), isFinal: true);
        var upgrade = Assert.Single(diagnosis.Finish(reader).Upgrades);

        string[] lines = upgrade.RequestText!.Split("\r\n");
        Assert.Contains("\"Cookie: Unee\": s=1", lines);
        Assert.Contains("\"X-Evil\\r\\nCookie\": t=2", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("Cookie", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void finds_upgrades_by_their_request_not_by_the_resource_type_and_masks_every_secret()
    {
        var report = Diagnose("devtools-sensitive.har");
        // The fetch and the page mislabelled "websocket" are not upgrades; the two requests with Sec-WebSocket-Key are.
        Assert.Equal((4, 2, 1), (report.TotalEntries, report.WebSockets, report.Failed));
        Assert.Equal([2, 3], report.Upgrades.Select(u => u.Index));
        var refused = report.Upgrades[1];
        Assert.Equal("forbidden", refused.Problems[0].Problem.Id);
        Assert.Equal("wss://app.example/admin?token=(masked)", refused.Url);
        Assert.Equal(["Authorization", "Cookie"], refused.MaskedHeaders);
        Assert.Contains("Authorization: Bearer (masked: ", refused.RequestText, StringComparison.Ordinal);
        string json = ToJson(report);
        foreach (string secret in HarFixtures.Secrets)
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void the_committed_fixtures_hold_no_secret_but_the_made_up_ones()
    {
        foreach (string file in HarFixtures.All())
        {
            string text = File.ReadAllText(file);
            bool handBuilt = !Path.GetFileName(file).StartsWith("chromium-", StringComparison.Ordinal);
            // Chromium's recordings went to 127.0.0.1 only, and carry no cookie or credential at all.
            if (!handBuilt)
            {
                Assert.DoesNotContain("\"Cookie\"", text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("Authorization", text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotMatch(@"""url"": ?""(?!https?://127\.0\.0\.1|wss?://127\.0\.0\.1)", text);
            }
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"""(?:[Cc]ookie|[Ss]et-[Cc]ookie|[Aa]uthorization)"",\s*""value"":\s*""([^""]*)"""))
            {
                Assert.Contains(HarFixtures.Secrets, s => m.Groups[1].Value.Contains(s, StringComparison.Ordinal));
            }
        }
    }

    private static string ToJson(HarReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
        {
            report.WriteJson(writer);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
