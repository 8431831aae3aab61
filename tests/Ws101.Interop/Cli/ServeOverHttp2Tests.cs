using System.Net;
using Microsoft.Playwright;
using Ws101.Cli;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using static Microsoft.Playwright.Assertions;

namespace Ws101.Interop.Cli;

/// <summary>
/// <c>ws101 serve --http2</c>: the endpoints and the playground on Kestrel with HTTP/1.1 and HTTP/2 over TLS (a certificate
/// the test makes), so that WebSockets open as HTTP/2 streams beside HTTP/1.1 upgrades on the same port, and the
/// playground in Chromium says which version carried its live connection.
/// </summary>
public sealed class ServeOverHttp2Tests(InsecureChromiumFixture browser) : IClassFixture<InsecureChromiumFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(ServeProcess Serve, string Folder)> StartAsync(TestCertificate certificate)
    {
        string folder = Directory.CreateTempSubdirectory("ws101-serve-h2-").FullName;
        var (cert, key) = certificate.WritePemFiles(folder);
        return (await ServeProcess.StartAsync(Cancel, "--cert", cert, "--key", key!, "--http2"), folder);
    }

    [Fact]
    public async Task serve_http2_opens_echo_as_an_http2_stream_and_still_upgrades_http11_on_the_same_port()
    {
        using TestCertificate certificate = TestCertificate.Create();
        (ServeProcess serve, string folder) = await StartAsync(certificate);
        try
        {
            Uri url = serve.Url("/echo?transcript=1");
            Assert.Equal("wss", url.Scheme);
            foreach (var (version, expected) in new[] { (WebSocketHttpVersion.Http2, new Version(2, 0)), (WebSocketHttpVersion.Http11, new Version(1, 1)) })
            {
                var options = new WebSocketClientOptions { HttpVersion = version, TrustedCertificate = certificate.Certificate };
                await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(url, options, Cancel).WaitAsync(PeerTimeouts.Step, Cancel);
                Assert.Equal(expected, ws.Handshake.HttpVersion);
                string transcript = (await ws.ReceiveAsync(Cancel).AsTask().WaitAsync(PeerTimeouts.Step, Cancel)).GetText();
                if (expected.Major == 2)
                {
                    Assert.StartsWith(":method: CONNECT\r\n:protocol: websocket\r\n", transcript, StringComparison.Ordinal);
                    Assert.Contains("\r\n\r\n:status: 200\r\n", transcript, StringComparison.Ordinal);
                }
                else
                {
                    Assert.StartsWith("GET /echo?transcript=1 HTTP/1.1\r\n", transcript, StringComparison.Ordinal);
                    Assert.Contains("HTTP/1.1 101 Switching Protocols\r\n", transcript, StringComparison.Ordinal);
                }
                await ws.SendTextAsync("over both", Cancel);
                Assert.Equal("over both", (await ws.ReceiveAsync(Cancel).AsTask().WaitAsync(PeerTimeouts.Step, Cancel)).GetText());
                await ws.CloseAsync(CloseCode.NormalClosure, "", Cancel);
            }

            // The playground's page comes over HTTP/2 too, with the same headers as from the standalone server.
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == certificate.Certificate.Thumbprint };
            using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using HttpResponseMessage page = await http.GetAsync(new Uri($"https://127.0.0.1:{serve.Port}/"), Cancel).WaitAsync(PeerTimeouts.Step, Cancel);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(HttpVersion.Version20, page.Version);
            Assert.Contains("default-src 'none'", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            using HttpResponseMessage missing = await http.GetAsync(new Uri($"https://127.0.0.1:{serve.Port}/nothing-here"), Cancel).WaitAsync(PeerTimeouts.Step, Cancel);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        finally
        {
            await serve.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task the_playground_over_http2_says_its_live_connection_is_an_http2_stream()
    {
        using TestCertificate certificate = TestCertificate.Create();
        (ServeProcess serve, string folder) = await StartAsync(certificate);
        IPage page = await browser.Chromium.NewPageAsync(Cancel);
        try
        {
            page.SetDefaultTimeout(15_000);
            await page.GotoAsync($"https://127.0.0.1:{serve.Port}/");
            Assert.Equal("h2", await page.EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? ''"));
            await Expect(page.Locator("#live-url")).ToHaveValueAsync($"wss://127.0.0.1:{serve.Port}/echo?transcript=1");
            await page.Locator("#live-open").ClickAsync();
            var handshake = page.Locator("#live-handshake[data-transcript='true']");
            await Expect(handshake).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(handshake).ToHaveAttributeAsync("data-http-version", "2");
            await Expect(handshake).ToContainTextAsync("Over HTTP/2");
            await Expect(handshake).ToContainTextAsync(":protocol: websocket");
            await Expect(handshake).ToContainTextAsync(":status: 200");
        }
        finally
        {
            await page.CloseAsync();
            await serve.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task serve_http2_without_a_certificate_is_a_usage_error_that_says_why()
    {
        var (exit, _, error) = await CliProgram.RunAsync(["serve", "--port", "0", "--http2"], "", PeerTimeouts.Step, TestContext.Current.CancellationToken);

        Assert.Equal(2, exit);
        Assert.Contains("--http2 needs --cert", error, StringComparison.Ordinal);
    }
}
