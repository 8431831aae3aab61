using Ws101.Interop.Harness;
using static Ws101.Interop.Cli.ProbeCommandTests;

namespace Ws101.Interop.Cli;

/// <summary>
/// <c>ws101 probe</c> and HTTP/2: which versions a wss:// server offers (ALPN), the SETTINGS that say whether it takes
/// WebSockets over HTTP/2, the extended CONNECT with <c>--http2</c>, and the diagnosis of each way that fails — against
/// Kestrel (which enables RFC 8441), Node's http2 module (which can be made not to, or to answer wrongly) and our own
/// HTTP/1.1-only server.
/// </summary>
public sealed class ProbeOverHttp2Tests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Failure(int exit, string output, string error) => $"exit {exit}{Environment.NewLine}{output}{error}";

    [Fact]
    public async Task probe_http2_of_kestrel_shows_alpn_h2_the_settings_the_extended_connect_and_a_pong()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = certificate }, Cancel);

        (int exit, string output, string error) = await ProbeAsync("--http2", "--insecure", new Uri(kestrel.Url, "/echo").ToString());

        Assert.True(exit == 0, Failure(exit, output, error));
        Assert.Contains("over HTTP/2 (RFC 8441)", output, StringComparison.Ordinal);
        Assert.Contains("offered h2 and http/1.1 in TLS ALPN; the server chose h2.", output, StringComparison.Ordinal);
        Assert.Contains("| SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", output, StringComparison.Ordinal);
        Assert.Contains("WebSockets over HTTP/2: offered", output, StringComparison.Ordinal);
        Assert.Contains("| :method: CONNECT", output, StringComparison.Ordinal);
        Assert.Contains("| :protocol: websocket", output, StringComparison.Ordinal);
        Assert.Contains("| :status: 200", output, StringComparison.Ordinal);
        Assert.Contains("no accept value to check", output, StringComparison.Ordinal);
        Assert.Contains("HTTP:        2 (an extended CONNECT stream)", output, StringComparison.Ordinal);
        Assert.Matches(@"Ping:\s+pong after \d", output);
        PeerEvent open = await kestrel.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "the probe's open", cancellationToken: Cancel);
        Assert.Equal("HTTP/2", open.Http);
    }

    [Fact]
    public async Task probe_of_a_wss_url_without_the_flag_says_the_server_offers_http2_and_still_upgrades_over_http11()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using KestrelEchoServer kestrel = await KestrelEchoServer.StartAsync(new KestrelEchoOptions { Certificate = certificate }, Cancel);

        (int exit, string output, string error) = await ProbeAsync("--insecure", new Uri(kestrel.Url, "/echo").ToString());

        Assert.True(exit == 0, Failure(exit, output, error));
        Assert.Contains("the server chose h2.", output, StringComparison.Ordinal);
        Assert.Contains("WebSockets over HTTP/2: offered", output, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 101 Switching Protocols", output, StringComparison.Ordinal);
        Assert.Contains("HTTP:        1.1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task probe_http2_of_a_server_without_the_setting_blames_the_server_shows_its_settings_and_finds_http11_works()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync("no-connect", certificate, Cancel);

        (int exit, string output, string error) = await ProbeAsync("--http2", "--insecure", node.EchoUrl.ToString());

        Assert.True(exit == 1, Failure(exit, output, error));
        Assert.Contains("the server chose h2.", output, StringComparison.Ordinal);
        Assert.Contains("HTTP/2 SETTINGS received", output, StringComparison.Ordinal);
        Assert.DoesNotContain("| SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", output, StringComparison.Ordinal);
        Assert.Contains("WebSockets over HTTP/2: not offered", output, StringComparison.Ordinal);
        Assert.Contains("[extended-connect-not-supported]", output, StringComparison.Ordinal);
        Assert.Contains("The client did nothing wrong", output, StringComparison.Ordinal);
        Assert.Contains("Over HTTP/1.1 the same URL opens a WebSocket", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task probe_http2_of_an_http11_only_server_says_it_has_no_http2_and_that_http11_works(bool tls)
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using OurServer server = await OurServer.StartAsync(certificate: tls ? certificate : null, cancellationToken: Cancel);

        (int exit, string output, string error) = await ProbeAsync("--http2", "--insecure", server.Url("/echo").ToString());

        Assert.True(exit == 1, Failure(exit, output, error));
        Assert.Contains(tls ? "HTTP/2: not spoken over TLS" : "HTTP/2: not spoken as h2c", output, StringComparison.Ordinal);
        Assert.True(output.Contains("[http2-not-negotiated]", StringComparison.Ordinal), Failure(exit, output, error));
        Assert.Contains("Over HTTP/1.1 the same URL opens a WebSocket", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("page-200", "[connect-response-has-content]", "<!DOCTYPE html>")] // the wrong handler answered
    [InlineData("accept-200", "[upgrade-headers-in-http2]", "sec-websocket-accept")] // a proxy copied the backend's 101 headers into its 200
    public async Task probe_http2_of_a_wrong_200_to_the_extended_connect_names_its_cause(string mode, string problem, string evidence)
    {
        await using NodeHttp2Server node = await NodeHttp2Server.StartAsync(mode, null, Cancel);

        (int exit, string output, string error) = await ProbeAsync("--http2", node.EchoUrl.ToString());

        Assert.True(exit == 1, Failure(exit, output, error));
        Assert.Contains("WebSockets over HTTP/2: offered", output, StringComparison.Ordinal);
        Assert.Contains("| :status: 200", output, StringComparison.Ordinal);
        Assert.Contains(problem, output, StringComparison.Ordinal);
        Assert.Contains(evidence, output, StringComparison.Ordinal);
    }
}
