using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ws101.Tests.Cli;

public class DiagnoseCommandTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Request(string lineEnd = "\r\n") => string.Join(lineEnd,
        "GET /chat HTTP/1.1", "Host: example.com", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: " + Key, "Sec-WebSocket-Version: 13", "", "");

    private static string Response(string accept, string lineEnd = "\r\n") => string.Join(lineEnd,
        "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: " + accept, "", "");

    private static string Sha256Accept() =>
        Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    [Fact]
    public void exits_0_for_a_valid_request_and_response_from_standard_input()
    {
        var r = CliRunner.Run(Request() + Response("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "diagnose");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("OK: the handshake is valid.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void names_sha_256_as_the_cause_of_a_mismatched_accept_with_lf_line_ends()
    {
        var r = CliRunner.Run(Request("\n") + Response(Sha256Accept(), "\n"), "diagnose", "-");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[accept-mismatch]", r.Out, StringComparison.Ordinal);
        Assert.Contains("SHA-256 instead of SHA-1", r.Out, StringComparison.Ordinal);
        Assert.Contains("base64(SHA-256(key + GUID))", r.Out, StringComparison.Ordinal);
        Assert.Contains("fix:", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void checks_a_request_alone_as_a_server_would()
    {
        string request = Request().Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", StringComparison.Ordinal);
        var r = CliRunner.Run(request, "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[unsupported-version]", r.Out, StringComparison.Ordinal);
        Assert.Contains("checked as a server checks", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void reads_a_file_and_prints_json_for_scripts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ws101-diagnose-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, Request() + Response(Sha256Accept()));
        try
        {
            var r = CliRunner.Run(null, "diagnose", "--json", path);
            Assert.Equal(1, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Out);
            var root = doc.RootElement;
            Assert.False(root.GetProperty("valid").GetBoolean());
            Assert.Equal("request and response", root.GetProperty("kind").GetString());
            var problem = Assert.Single(root.GetProperty("problems").EnumerateArray());
            Assert.Equal("accept-mismatch", problem.GetProperty("code").GetString());
            Assert.Equal("sha-256", problem.GetProperty("cause").GetString());
            Assert.Equal("response", problem.GetProperty("part").GetString());
            Assert.Equal(4, problem.GetProperty("line").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void reports_a_missing_file_with_exit_code_2()
    {
        var r = CliRunner.Run(null, "diagnose", "/nonexistent/ws101/handshake.txt");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot read", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_input_larger_than_any_handshake_with_exit_code_2()
    {
        var r = CliRunner.Run(new string('A', 200_000), "diagnose");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("longer than", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void says_when_the_input_holds_no_handshake()
    {
        var r = CliRunner.Run("\n\n", "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no HTTP request or response", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void explains_a_redirect_in_its_own_words_not_only_by_echoing_the_line()
    {
        string response = "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/chat\r\n\r\n";
        var r = CliRunner.Run(Request() + response, "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[redirect]", r.Out, StringComparison.Ordinal);
        Assert.Contains("do not follow redirects", r.Out, StringComparison.Ordinal);
        Assert.Contains("wss://example.com/chat", r.Out, StringComparison.Ordinal);
    }

    // ---- HAR files and browser console errors (issue 15, items 2 and 3), recognised by their content ----

    [Fact]
    public void reads_a_har_file_lists_each_upgrade_in_one_line_and_details_the_failed_ones()
    {
        var r = CliRunner.Run(null, "diagnose", Handshake.HarFixtures.Path("devtools-sensitive.har"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("4 entries, 2 WebSocket upgrades, 1 failed (recorded by WebInspector 537.36 (Chromium DevTools))", r.Out, StringComparison.Ordinal);
        Assert.Matches(@"#2 +wss://app\.example/stream +HTTP/1\.1 +101 +OK", r.Out);
        Assert.Matches(@"#3 +wss://app\.example/admin\?token=\(masked\) +HTTP/1\.1 +- +FAILED \[forbidden\]", r.Out);
        Assert.Contains("frames: 2 sent (43 B), 2 received (59 B), no close frame recorded, last frame 2024-12-05T09:00:01.250Z", r.Out, StringComparison.Ordinal);
        Assert.Contains("The failed upgrade in detail:", r.Out, StringComparison.Ordinal);
        Assert.Contains("── #3 wss://app.example/admin?token=(masked)", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("── #2", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void never_prints_a_cookie_an_authorization_or_a_token_from_a_har(bool json)
    {
        foreach (string fixture in Handshake.HarFixtures.All())
        {
            var r = json ? CliRunner.Run(null, "diagnose", "--json", fixture) : CliRunner.Run(null, "diagnose", fixture);
            foreach (string secret in Handshake.HarFixtures.Secrets)
            {
                Assert.DoesNotContain(secret, r.Out + r.Error, StringComparison.Ordinal);
            }
        }
        var masked = CliRunner.Run(null, "diagnose", Handshake.HarFixtures.Path("firefox-200-page.har"));
        Assert.Contains("Masked: the values of Set-Cookie (never printed).", masked.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void reads_a_har_from_standard_input_and_prints_json_for_scripts()
    {
        var r = CliRunner.Run(File.ReadAllText(Handshake.HarFixtures.Path("firefox-wrong-accept.har")), "diagnose", "--json");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("har", doc.RootElement.GetProperty("kind").GetString());
        var upgrade = Assert.Single(doc.RootElement.GetProperty("upgrades").EnumerateArray());
        Assert.Equal("wss://chat.example/socket", upgrade.GetProperty("probeUrl").GetString());
        Assert.Equal("sha-256", upgrade.GetProperty("problems")[0].GetProperty("cause").GetString());
    }

    [Fact]
    public void exits_0_for_a_har_whose_upgrades_are_all_valid()
    {
        var r = CliRunner.Run(null, "diagnose", Handshake.HarFixtures.Path("firefox-good.har"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("OK: every WebSocket upgrade in the HAR is valid.", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"log\":{\"version\":\"1.2\"}}", "no log.entries")]
    [InlineData("{\"log\":{\"entries\":[", "not valid JSON")]
    public void refuses_json_that_is_not_a_har_with_exit_code_2(string text, string reason)
    {
        var r = CliRunner.Run(text, "diagnose");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a HAR that can be read", r.Error, StringComparison.Ordinal);
        Assert.Contains(reason, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void explains_a_chromium_console_line_and_names_the_probe_to_run()
    {
        const string line = "WebSocket connection to 'wss://chat.example/socket' failed: Error during WebSocket handshake: Unexpected response code: 200";
        var r = CliRunner.Run(line, "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Browser console error (Chromium)", r.Out, StringComparison.Ordinal);
        Assert.Contains("What the browser saw: The server answered the upgrade with 200 OK instead of 101 Switching Protocols.", r.Out, StringComparison.Ordinal);
        Assert.Contains("[success-not-upgrade]", r.Out, StringComparison.Ordinal);
        Assert.Contains("Next: Run `ws101 probe wss://chat.example/socket`", r.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(CliRunner.Run(line, "diagnose", "--json").Out);
        Assert.Equal("console", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("success-not-upgrade", doc.RootElement.GetProperty("errors")[0].GetProperty("problem").GetProperty("code").GetString());
    }

    [Fact]
    public void explains_a_firefox_console_line_without_inventing_a_cause()
    {
        var r = CliRunner.Run("Firefox can’t establish a connection to the server at ws://127.0.0.1:8080/echo.", "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Browser console error (Firefox)", r.Out, StringComparison.Ordinal);
        Assert.Contains("does not say why", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("[", r.Out, StringComparison.Ordinal);
        Assert.Contains("ws101 probe ws://127.0.0.1:8080/echo", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_binary_input_as_not_text_rather_than_printing_it_as_a_request_line()
    {
        // The start of an executable piped in by mistake: not a handshake, and no request line worth printing.
        // Large enough to be refused for its length too: being binary is the better reason.
        string binary = "\u007fELF\u0002\u0001\u0001\0\0\0\0\0\0\0\0\0\u0003\0>\0" + new string('\0', 200_000);

        var r = CliRunner.Run(binary, "diagnose");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: cannot read standard input: it is binary (it holds NUL bytes), not text", r.Error, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
    }
}
