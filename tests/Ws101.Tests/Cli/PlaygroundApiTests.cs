using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ws101.Handshake;

namespace Ws101.Tests.Cli;

/// <summary>The playground's HTTP side, against <c>ws101 serve</c> in process: the static routes and <c>POST /api/diagnose</c>, <c>POST /api/accept</c>.</summary>
public sealed partial class PlaygroundApiTests(PlaygroundServerFixture server) : IClassFixture<PlaygroundServerFixture>
{
    private const string Request =
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private static string Response(string accept) =>
        $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";

    private HttpClient Client => server.Client;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // ---- static routes ----

    [Fact]
    public async Task Root_serves_the_page_with_a_strict_policy()
    {
        using var response = await Client.GetAsync("/", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache);
        string csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self' ws: wss:", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        string html = await response.Content.ReadAsStringAsync(Token);
        Assert.Contains("Ws101 playground", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_file_the_page_links_is_served_with_its_type_and_nothing_comes_from_elsewhere()
    {
        string html = await Client.GetStringAsync("/", Token);
        var links = LinkPattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/playground.css", links);
        Assert.Contains("/app.js", links);
        Assert.DoesNotContain(links, l => l.Contains("//", StringComparison.Ordinal));
        string app = await Client.GetStringAsync("/app.js", Token);
        links.AddRange(ImportPattern().Matches(app).Select(m => "/" + m.Groups[1].Value));
        var expected = new Dictionary<string, string> { [".css"] = "text/css", [".js"] = "text/javascript", [".svg"] = "image/svg+xml" };
        foreach (string link in links.Distinct())
        {
            using var response = await Client.GetAsync(link, Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{link}: {response.StatusCode}");
            Assert.Equal(expected[Path.GetExtension(link)], response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.Contains("Content-Security-Policy"), link);
            string text = await response.Content.ReadAsStringAsync(Token);
            Assert.DoesNotContain("http://", text.Replace("http://127.0.0.1", "", StringComparison.Ordinal).Replace("http://example.com", "", StringComparison.Ordinal).Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
        }
        Assert.Contains("/checker.js", links);
        Assert.Contains("/live.js", links);
    }

    [Fact]
    public async Task Head_answers_the_headers_without_the_body()
    {
        using var get = await Client.GetAsync("/playground.css", Token);
        byte[] body = await get.Content.ReadAsByteArrayAsync(Token);
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/playground.css"), Token);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal("text/css", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Token));
    }

    [Fact]
    public async Task An_unknown_path_is_404_with_a_short_text()
    {
        using var response = await Client.GetAsync("/no/such/page", Token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync(Token);
        Assert.Contains("/no/such/page", text, StringComparison.Ordinal);
        Assert.True(text.Length < 200);
    }

    [Theory]
    [InlineData("DELETE", "/", "GET, HEAD")]
    [InlineData("PUT", "/app.js", "GET, HEAD")]
    [InlineData("POST", "/", "GET, HEAD")]
    [InlineData("GET", "/api/diagnose", "POST")]
    [InlineData("PATCH", "/api/diagnose", "POST")]
    public async Task A_method_the_resource_does_not_take_is_405_with_allow(string method, string path, string allow)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    // ---- POST /api/diagnose ----

    [Fact]
    public async Task Diagnose_a_valid_pair_gives_the_report_of_ws101_diagnose_json()
    {
        string transcript = Request + Response("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        var (status, type, json) = await PostAsync("/api/diagnose", JsonSerializer.Serialize(new { transcript }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", type);
        Assert.True(json["valid"]!.GetValue<bool>());
        Assert.Equal("request and response", json["kind"]!.GetValue<string>());
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", json["expectedAccept"]!.GetValue<string>());
        Assert.Empty(json["problems"]!.AsArray());
        // The same engine and the same JSON as `ws101 diagnose --json`.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(HandshakeDiagnoser.Diagnose(transcript).ToJson()), json));
    }

    [Fact]
    public async Task Diagnose_names_an_accept_hashed_with_sha256_on_its_line()
    {
        string wrong = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes("dGhlIHNhbXBsZSBub25jZQ==" + WebSocketAccept.Guid)));
        var (status, _, json) = await PostAsync("/api/diagnose", JsonSerializer.Serialize(new { transcript = Request + Response(wrong) }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(json["valid"]!.GetValue<bool>());
        var problem = Assert.Single(json["problems"]!.AsArray())!;
        Assert.Equal("accept-mismatch", problem["code"]!.GetValue<string>());
        Assert.Equal("response", problem["part"]!.GetValue<string>());
        Assert.Equal(4, problem["line"]!.GetValue<int>());
        Assert.Equal("sha-256", problem["cause"]!.GetValue<string>());
        Assert.Equal(wrong, problem["actual"]!.GetValue<string>());
    }

    [Fact]
    public async Task Diagnose_an_empty_transcript_is_a_report_of_nothing()
    {
        var (status, _, json) = await PostAsync("/api/diagnose", """{"transcript": ""}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("nothing", json["kind"]!.GetValue<string>());
        Assert.False(json["valid"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"transcript": "GET / HTTP/1.1""", "not valid JSON")]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("""{"text": "GET / HTTP/1.1"}""", "no \"transcript\"")]
    [InlineData("""{"transcript": 42}""", "must be a string")]
    [InlineData("""{"transcript": null}""", "must be a string")]
    [InlineData("""["GET / HTTP/1.1"]""", "JSON object")]
    public async Task Diagnose_a_malformed_body_is_400_with_a_json_error(string body, string says)
    {
        var (status, type, json) = await PostAsync("/api/diagnose", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/json", type);
        Assert.Contains(says, json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Diagnose_with_another_content_type_is_415(string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"transcript": "x"}"""));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await Client.PostAsync("/api/diagnose", content, Token);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;
        Assert.Contains("application/json", json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_json_with_a_charset_is_accepted()
    {
        var content = new StringContent("""{"transcript": "GET / HTTP/1.1\r\n\r\n"}""", Encoding.UTF8, "application/json");
        Assert.Equal("utf-8", content.Headers.ContentType?.CharSet);
        using var response = await Client.PostAsync("/api/diagnose", content, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Diagnose_a_body_over_the_api_limit_is_413_with_a_json_error()
    {
        string transcript = Request + new string('x', 50 * 1024);
        var (status, type, json) = await PostAsync("/api/diagnose", JsonSerializer.Serialize(new { transcript }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("application/json", type);
        Assert.Contains("limit", json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_a_body_over_the_server_limit_is_413_before_it_is_read()
    {
        // Beyond the server's MaxHttpBodyBytes (64 KiB) the server answers from the head alone, in plain text,
        // and closes; the body is never read. A raw socket sends the head only, as a client that waits would.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.BaseUrl.Port, Token);
        string head = $"POST /api/diagnose HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {1024 * 1024}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            answer.Write(buffer, 0, n);
        }
        string text = Encoding.ASCII.GetString(answer.ToArray());
        Assert.StartsWith("HTTP/1.1 413 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_explains_browser_console_lines()
    {
        string line = "WebSocket connection to 'ws://127.0.0.1:1/x' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED";
        var (status, _, json) = await PostAsync("/api/diagnose", JsonSerializer.Serialize(new { transcript = line }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("console", json["kind"]!.GetValue<string>());
        var error = json["errors"]![0]!;
        Assert.Equal("connection-failed", error["problem"]!["code"]!.GetValue<string>());
        Assert.Contains("ws101 probe ws://127.0.0.1:1/x", error["next"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_reads_a_har_sent_as_the_body()
    {
        string har = await File.ReadAllTextAsync(Handshake.HarFixtures.Path("firefox-h2.har"), Token);
        var (status, _, json) = await PostAsync("/api/diagnose", har);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("har", json["kind"]!.GetValue<string>());
        Assert.Equal(2, json["webSockets"]!.GetValue<int>());
        Assert.Equal("forbidden", json["upgrades"]![1]!["problems"]![0]!["code"]!.GetValue<string>());
        Assert.DoesNotContain("ws101-fixture-cookie-c0ffee", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_refuses_a_har_body_over_its_limit_with_a_json_413_and_an_unreadable_one_with_400()
    {
        string big = "{\"log\":{\"entries\":[],\"pad\":\"" + new string('x', 530 * 1024) + "\"}}";
        var (status, _, json) = await PostAsync("/api/diagnose", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("ws101 diagnose", json["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var (bad, _, error) = await PostAsync("/api/diagnose", "{\"log\":{\"version\":\"1.2\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("no log.entries", error["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    // ---- POST /api/accept ----

    [Fact]
    public async Task Accept_gives_the_steps_for_the_rfc_example()
    {
        var (status, _, json) = await PostAsync("/api/accept", """{"key": "dGhlIHNhbXBsZSBub25jZQ=="}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11", json["concatenated"]!.GetValue<string>());
        Assert.Equal("b37a4f2cc0624f1690f64606cf385945b2bec4ea", json["sha1Hex"]!.GetValue<string>());
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", json["accept"]!.GetValue<string>());
        Assert.Null(json["keyProblem"]);
    }

    [Fact]
    public async Task Accept_hashes_a_bad_key_as_given_and_says_what_is_wrong()
    {
        var (status, _, json) = await PostAsync("/api/accept", """{"key": "dGhlIHNhbXBsZSBub25jZQ"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebSocketAccept.Compute("dGhlIHNhbXBsZSBub25jZQ"), json["accept"]!.GetValue<string>());
        Assert.Contains("padding", json["keyProblem"]!.GetValue<string>(), StringComparison.Ordinal);
        var (refused, _, error) = await PostAsync("/api/accept", """{"key": "caf\u00e9"}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("ASCII", error["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string? MediaType, JsonNode Json)> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content, Token);
        string text = await response.Content.ReadAsStringAsync(Token);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonNode.Parse(text) ?? throw new InvalidOperationException("null JSON"));
    }

    [GeneratedRegex("(?:src|href)=\"(/[^\"]*)\"")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("""from '\./([a-z]+\.js)'""")]
    private static partial Regex ImportPattern();
}
