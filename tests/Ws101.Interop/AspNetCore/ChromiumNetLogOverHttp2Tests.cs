using Ws101.Interop.Harness;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// Chromium's own network log agrees that its WebSocket to MapWs101 was an HTTP/2 stream (RFC 8441): a browser of this
/// test's own, started with <c>--log-net-log</c>, loads the page over https and opens the WebSocket; once it has exited,
/// its NetLog shows the server's SETTINGS_ENABLE_CONNECT_PROTOCOL, the extended CONNECT Chromium sent on a new stream of
/// the page's HTTP/2 session, the <c>:status 200</c> it received on that stream, and the WebSocket's bytes as DATA on it.
/// </summary>
public sealed class ChromiumNetLogOverHttp2Tests : IDisposable
{
    private readonly TempFolder _folder = new("ws101-netlog-");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task chromiums_netlog_shows_the_websocket_as_an_extended_connect_on_the_pages_http2_session()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(certificate, compress: true, servePage: true, cancellationToken: Cancel);
        string path = _folder.PathOf("netlog.json");
        var script = new PeerScript { PerMessageDeflate = true }
            .SendText(125).Receive().SendBinary(65_536).Receive().SendText("close 4003 the server is done").WaitClose();

        ChromiumWebSocketRecord record;
        // Default capture mode logs header blocks (it leaves out cookies and credentials); a browser of its own, so that the
        // log holds this test's traffic only and is complete when the browser has exited.
        await using (ChromiumPeer chromium = await ChromiumPeer.LaunchAsync(new ChromiumOptions
        {
            IgnoreCertificateErrors = true,
            ExtraArguments = ["--log-net-log=" + path, "--net-log-capture-mode=Default"],
        }, Cancel))
        {
            record = await chromium.RunClientFromPageAsync(server.PageUrl, server.EchoUrl, script, Cancel);
        }
        record.Transcript.EnsureSucceeded();
        Assert.Equal((4003, "the server is done"), (record.Transcript.Close?.Code, record.Transcript.Close?.Reason));

        ChromiumNetLog log = ChromiumNetLog.Read(path);
        ChromiumHttp2Request? page = log.FindHttp2Request(server.PageUrl);
        ChromiumHttp2Request? websocket = log.FindHttp2Request(server.EchoUrl);
        Assert.True(page is not null && websocket is not null, log.Describe());
        string both = $"page: {page}\n    websocket: {websocket}\n{log.Describe()}";

        // The page: an ordinary GET on a stream of an h2 session.
        Assert.True(page.SessionProtocol == "h2" && page.RequestHeader(":method") == "GET" && page.ResponseHeader(":status") == "200", both);
        // The server said it takes extended CONNECT (RFC 8441 §3) on that session.
        Assert.True(log.ReceivedSettings(page.SessionId).GetValueOrDefault("SETTINGS_ENABLE_CONNECT_PROTOCOL") == 1, both);
        // The WebSocket: another stream of the same session, opened with an extended CONNECT (RFC 8441 §4) carrying the
        // WebSocket fields of RFC 8441 §5 and none of HTTP/1.1's upgrade fields, and answered 200 with the agreed extension.
        Assert.True(websocket.SessionId == page.SessionId && websocket.StreamId != page.StreamId, both);
        Assert.Equal(
            ["CONNECT", "websocket", "https", "/echo", "13"],
            new[] { ":method", ":protocol", ":scheme", ":path", "sec-websocket-version" }.Select(websocket.RequestHeader));
        Assert.StartsWith("permessage-deflate", websocket.RequestHeader("sec-websocket-extensions"), StringComparison.Ordinal);
        Assert.True(websocket.RequestHeader("sec-websocket-key") is null && websocket.RequestHeader("upgrade") is null, both);
        Assert.Equal("200", websocket.ResponseHeader(":status"));
        Assert.Equal("permessage-deflate", websocket.ResponseHeader("sec-websocket-extensions"));
        Assert.True(websocket.ResponseHeader("sec-websocket-accept") is null, both);
        // The frames travelled as DATA on that stream, both ways.
        Assert.True(websocket.DataBytesSent > 0 && websocket.DataBytesReceived > 0, both);
        Assert.False(log.Truncated, "the browser exited cleanly, so the log should be a whole JSON document");
        // Nothing left the machine: the browser sent no DNS query (its own resolver's transactions, or the system's) for the
        // names it looks up by itself (ChromiumOptions' host-resolver rules fail them inside the browser).
        string[] lookups = [.. log.Events.Where(e => e.Type is "DNS_TRANSACTION" or "HOST_RESOLVER_SYSTEM_TASK" or "HOST_RESOLVER_DNS_TASK").Select(e => e.ToString())];
        Assert.True(lookups.Length == 0, string.Join("\n", lookups.Take(10)));

        // The server agrees.
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "Chromium's open", Cancel);
        Assert.Equal("2.0", open.Http);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _folder.Dispose();
    }
}
