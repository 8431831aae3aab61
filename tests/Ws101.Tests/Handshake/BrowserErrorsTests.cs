using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class BrowserErrorsTests
{
    private const string Url = "wss://chat.example/socket";

    private static string Chromium(string message) => $"WebSocket connection to '{Url}' failed: {message}";

    // The Chromium strings below were read from Chromium 156's console (tests/Ws101.Interop/Cli/BrowserConsoleErrorTests.cs).
    [Theory]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 200", "success-not-upgrade")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 301", "redirect")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 401", "unauthorized")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 403", "forbidden")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 404", "not-found")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 426", "upgrade-required")]
    [InlineData("Error during WebSocket handshake: Unexpected response code: 502", "unexpected-status")]
    [InlineData("Error during WebSocket handshake: Incorrect 'Sec-WebSocket-Accept' header value", "accept-mismatch")]
    [InlineData("Error during WebSocket handshake: 'Sec-WebSocket-Accept' header is missing", "missing-accept")]
    [InlineData("Error during WebSocket handshake: 'Upgrade' header is missing", "missing-upgrade")]
    [InlineData("Error during WebSocket handshake: 'Upgrade' header value is not 'WebSocket': h2c", "upgrade-not-websocket")]
    [InlineData("Error during WebSocket handshake: 'Connection' header is missing", "connection-not-upgrade")]
    [InlineData("Error during WebSocket handshake: Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received", "unrequested-subprotocol")]
    [InlineData("Error during WebSocket handshake: net::ERR_CONNECTION_CLOSED", "truncated-head")]
    [InlineData("Error during WebSocket handshake: net::ERR_INVALID_HTTP_RESPONSE", "malformed-status-line")]
    [InlineData("Connection closed before receiving a handshake response", "truncated-head")]
    [InlineData("Error in connection establishment: net::ERR_CONNECTION_REFUSED", "connection-failed")]
    [InlineData("Error in connection establishment: net::ERR_CERT_AUTHORITY_INVALID", "tls-failed")]
    [InlineData("Error in connection establishment: net::ERR_TUNNEL_CONNECTION_FAILED", "proxy-failed")]
    [InlineData("WebSocket is closed before the connection is established.", "handshake-timeout")]
    [InlineData("A server must not mask any frames that it sends to the client.", "protocol-violation")]
    [InlineData("Unrecognized frame opcode: 3", "protocol-violation")]
    [InlineData("Could not decode a text frame as UTF-8.", "protocol-violation")]
    [InlineData("Received a broken close frame containing a reserved status code.", "protocol-violation")]
    [InlineData("Data frame received after close", "protocol-violation")]
    public void names_the_problem_of_each_chromium_message(string message, string code)
    {
        var error = Assert.Single(BrowserErrors.Find(Chromium(message)));
        Assert.Equal(("Chromium", Url, message), (error.Browser, error.Url, error.Message));
        Assert.Equal(code, error.Problem?.Id);
        Assert.Contains($"ws101 probe {Url}", error.NextStep, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Saw));
    }

    [Fact]
    public void a_status_is_explained_in_words_and_claims_nothing_the_browser_did_not_show()
    {
        var p = BrowserErrors.Find(Chromium("Error during WebSocket handshake: Unexpected response code: 200"))[0].Problem!;
        Assert.Contains("answered 200 OK", p.Explanation, StringComparison.Ordinal);
        Assert.Contains("only the status code", p.Evidence, StringComparison.Ordinal);
        Assert.Null(p.Line);
    }

    [Fact]
    public void finds_the_lines_in_a_console_copy_with_source_links_stack_lines_and_repeats()
    {
        string copy = $"""
            app.js:12 {Chromium("Error during WebSocket handshake: Unexpected response code: 404")}
            connect @ app.js:12
            (anonymous) @ app.js:40
            VM88:1 {Chromium("Error during WebSocket handshake: Unexpected response code: 404")}
            Some other log line
            """;
        var error = Assert.Single(BrowserErrors.Find(copy));
        Assert.Equal("not-found", error.Problem!.Id);
    }

    [Theory]
    [InlineData("Firefox can’t establish a connection to the server at wss://chat.example/socket.")]
    [InlineData("Firefox can't establish a connection to the server at wss://chat.example/socket.")]
    public void reads_firefoxs_line_which_names_no_cause(string line)
    {
        var error = Assert.Single(BrowserErrors.Find(line));
        Assert.Equal(("Firefox", Url), (error.Browser, error.Url));
        Assert.Null(error.Problem);
        Assert.Contains("does not say why", error.Saw, StringComparison.Ordinal);
        Assert.Contains($"ws101 probe {Url}", error.NextStep, StringComparison.Ordinal);
    }

    [Fact]
    public void explains_a_blocked_insecure_websocket_from_a_secure_page()
    {
        string line = "Mixed Content: The page at 'https://chat.example/' was loaded over HTTPS, but attempted to connect to the insecure WebSocket endpoint 'ws://chat.example/socket'. This request has been blocked; this endpoint must be available over WSS.";
        var error = Assert.Single(BrowserErrors.Find(line));
        Assert.Contains("wss://", error.Saw, StringComparison.Ordinal);
        Assert.Equal("ws://chat.example/socket", error.Url);
    }

    [Theory]
    [InlineData("https://chat.example/socket", "wss://chat.example/socket")]
    [InlineData("http://127.0.0.1:8080/echo", "ws://127.0.0.1:8080/echo")]
    [InlineData("ws://a/b", "ws://a/b")]
    public void turns_a_firefox_har_url_into_the_websocket_url_to_probe(string url, string probe) =>
        Assert.Equal(probe, BrowserErrors.ProbeUrl(url));

    [Fact]
    public void text_without_a_browser_error_holds_none()
    {
        Assert.Empty(BrowserErrors.Find("GET /chat HTTP/1.1\r\nHost: a\r\n\r\n"));
        Assert.Empty(BrowserErrors.Find("WebSocket is already in CLOSING or CLOSED state."));
    }

    // Found by fuzzing (fuzz/regressions/har/status-003-in-browser-words): a status outside HTTP's range in the browser's
    // words made the diagnosis throw while explaining it.
    [Theory]
    [InlineData("003")]
    [InlineData("999")]
    [InlineData("101")]
    public void a_status_outside_what_a_refusal_can_be_is_an_unexpected_status_not_a_crash(string status)
    {
        var error = Assert.Single(BrowserErrors.Find(Chromium($"Error during WebSocket handshake: Unexpected response code: {status}")));
        Assert.Equal("unexpected-status", error.Problem?.Id);
        Assert.Contains(status, error.Problem!.Actual, StringComparison.Ordinal);
    }
}
