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
}
