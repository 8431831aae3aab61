using Ws101.Interop.Harness;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// Chromium loads a page over https with HTTP/2 (ALPN h2) from Kestrel with MapWs101, and its <c>WebSocket</c> to the same
/// origin opens as a stream of that HTTP/2 connection (RFC 8441): the server's handshake info says HTTP/2, and so does
/// Chromium's own record (the DevTools protocol reports the handshake's status as 200, where an HTTP/1.1 upgrade is 101).
/// Text and binary from 0 B to 1 MiB, with and without permessage-deflate, and the server's close code and reason.
/// </summary>
public sealed class ChromiumOverHttp2Tests(InsecureChromiumFixture browser) : IClassFixture<InsecureChromiumFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task chromiums_websocket_is_an_http2_stream_to_mapws101_and_carries_text_and_binary_up_to_a_mebibyte(bool compress)
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using Ws101KestrelServer server = await Ws101KestrelServer.StartAsync(certificate, compress: compress, servePage: true, cancellationToken: Cancel);
        int[] sizes = [0, 125, 126, 65_536, 1024 * 1024];
        var script = new PeerScript { PerMessageDeflate = compress };
        foreach (string type in new[] { PeerMessageType.Text, PeerMessageType.Binary })
        {
            foreach (int size in sizes)
            {
                script.Send(type, size).Receive();
            }
        }
        // The server closes with its own code and reason.
        script.SendText("close 4003 the server is done").WaitClose();

        ChromiumWebSocketRecord record = await browser.Chromium.RunClientFromPageAsync(server.PageUrl, server.EchoUrl, script, Cancel);

        record.Transcript.EnsureSucceeded();
        string[] expected = [.. new[] { PeerMessageType.Text, PeerMessageType.Binary }.SelectMany(t => sizes.Select(s => $"{t} {s} {Payload.Sha256Hex(Payload.Bytes(t, s))}"))];
        Assert.Equal(expected, record.Transcript.Received.Select(m => $"{m.Type} {m.Length} {m.Sha256}"));
        Assert.Equal((4003, "the server is done"), (record.Transcript.Close?.Code, record.Transcript.Close?.Reason));
        // Chromium's own view: the page came over h2, and the WebSocket's handshake was answered 200 (RFC 8441), not 101.
        Assert.True(record.PageProtocol == "h2", record.Describe());
        Assert.True(record.HandshakeStatuses.SequenceEqual([200]), record.Describe());
        // The server's view: the handshake info of the connection says HTTP/2, and the deflate agreement is as asked.
        PeerEvent open = await server.WaitForEventAsync(e => e.Kind == PeerEventKind.Open, "Chromium's open", Cancel);
        Assert.Equal("2.0", open.Http);
        Assert.Equal(compress ? "permessage-deflate" : "", open.Extensions);
        Assert.Equal(compress ? "permessage-deflate" : "", record.Transcript.Open?.Extensions);
    }
}
