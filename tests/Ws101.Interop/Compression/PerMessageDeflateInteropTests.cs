using System.Net;
using System.Text;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Compression;

/// <summary>
/// permessage-deflate (RFC 7692) against peers we did not write: Chromium, Node's ws and Python's websockets talk to our
/// server, and our client talks to Node's and Python's servers, through a relay that reads RSV1 off the wire.
/// </summary>
public sealed class PerMessageDeflateInteropTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static CancellationToken Timeout => CancellationTokenSource.CreateLinkedTokenSource(Cancel, new CancellationTokenSource(PeerTimeouts.Run).Token).Token;

    private static async Task<(WebSocketServer Server, List<WebSocketConnection> Connections)> StartOurEchoAsync(PerMessageDeflateOptions? options = null)
    {
        var connections = new List<WebSocketConnection>();
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Connection = new WebSocketConnectionOptions
            {
                Compression = options ?? new PerMessageDeflateOptions(),
                Protocol = new ProtocolOptions { MaxMessageSize = 16 << 20, MaxFrameSize = 16 << 20 },
            },
        });
        server.Map("/echo", async (ws, ct) =>
        {
            lock (connections)
            {
                connections.Add(ws);
            }
            await foreach (var m in ws.ReadAllAsync(ct))
            {
                await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
            }
        });
        await server.StartAsync(Cancel);
        return (server, connections);
    }

    private static PeerScript Script(bool fragments) => new PeerScript { PerMessageDeflate = true }
        .SendText(64 * 1024, fragments: fragments ? 5 : 1).Receive()
        .SendText(3000).Receive()
        .SendBinary(200 * 1024, fragments: fragments ? 3 : 1).Receive()
        .SendText("héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓").Receive()
        .SendText(10).Receive()
        .Close(1000, "done");

    /// <summary>Each peer as a client of our server: compressed both ways, fragmented after compression, RSV1 seen on the wire.</summary>
    [Theory]
    [InlineData("node-ws")]
    [InlineData("python-websockets")]
    [InlineData("chromium")]
    public async Task peers_exchange_compressed_messages_with_our_server(string name)
    {
        var (server, connections) = await StartOurEchoAsync();
        await using var _ = server;
        await using var sniffer = new FrameSniffer(server.EndPoints[0].Port);
        var url = new Uri($"ws://127.0.0.1:{sniffer.Port}/echo");
        bool browserPeer = name == "chromium";
        PeerTranscript run = browserPeer
            ? await browser.Chromium.RunClientAsync(url, Script(fragments: false), Cancel)
            : await ScriptedPeers.ByName(name).RunClientAsync(url, Script(fragments: true), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        Assert.Contains("permessage-deflate", run.Open!.Extensions ?? "", StringComparison.Ordinal);
        Assert.Equal("héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓ héllo wörld ✓", run.Received[3].Text);
        lock (connections)
        {
            Assert.NotNull(Assert.Single(connections).PerMessageDeflate);
        }
        // On the wire: the peer compressed what it sent (RSV1 on first frames), and so did we.
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromClient), $"{name} sent no RSV1 frame: {Describe(sniffer.FromClient)}");
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromServer), $"our server sent no RSV1 frame: {Describe(sniffer.FromServer)}");
        // Our 10-byte echo is below the minimum size: sent plain (FIN | text).
        Assert.Contains((byte)0x81, sniffer.FromServer);
    }

    /// <summary>
    /// Our client against each peer's server; offering client_max_window_bits lets the server limit our window (Python
    /// answers 12 bits), under which only messages of at most 4 KiB are compressed.
    /// </summary>
    [Theory]
    [InlineData("node-ws", false)]
    [InlineData("node-ws", true)]
    [InlineData("python-websockets", false)]
    [InlineData("python-websockets", true)]
    public async Task our_client_exchanges_compressed_messages_with_peer_servers(string name, bool offerClientMaxWindowBits)
    {
        await using IPeerServer peer = await ScriptedPeers.ByName(name).StartServerAsync(new PeerScript { PerMessageDeflate = true }, Cancel);
        await using var sniffer = new FrameSniffer(peer.Url.Port);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{sniffer.Port}/"), new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions
            {
                Compression = new PerMessageDeflateOptions { OfferClientMaxWindowBits = offerClientMaxWindowBits },
                Protocol = new ProtocolOptions { MaxMessageSize = 16 << 20, MaxFrameSize = 16 << 20 },
            },
        }, Timeout);
        Assert.NotNull(ws.PerMessageDeflate);
        if (name == "python-websockets")
        {
            Assert.Equal(offerClientMaxWindowBits ? 12 : 15, ws.PerMessageDeflate.MaxWindowBits(WebSocketRole.Client));
        }

        var json = Encoding.UTF8.GetString(Payload.TextBytes(3500)) + "{\"a\":1}";
        var big = Encoding.UTF8.GetString(Payload.TextBytes(300_000));
        foreach (var text in new[] { json, json, big, "short", "ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓ ünïcödé ✓" })
        {
            await ws.SendTextAsync(text, Timeout);
            var back = await ws.ReceiveAsync(Timeout);
            Assert.Equal(text, back.GetText());
        }
        var binary = Payload.Binary(100_000);
        await ws.SendBinaryAsync(binary, Timeout);
        Assert.Equal(binary, (await ws.ReceiveAsync(Timeout)).Data.ToArray());
        // A streamed message, compressed part by part (sent plain when the peer limits our window below 15 bits).
        var streamed = Payload.TextBytes(50_000);
        for (int at = 0; at < streamed.Length; at += 20_000)
        {
            int n = Math.Min(20_000, streamed.Length - at);
            await ws.SendAsync(streamed.AsMemory(at, n), WebSocketMessageKind.Text, at + n == streamed.Length, Timeout);
        }
        Assert.Equal(streamed, (await ws.ReceiveAsync(Timeout)).Data.ToArray());
        await ws.CloseAsync(CloseCode.NormalClosure, "bye", Timeout);

        var messages = peer.Events.Where(e => e.Kind == PeerEventKind.Message).ToList();
        Assert.Equal(7, messages.Count);
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromClient), $"our client sent no RSV1 frame ({ws.PerMessageDeflate}): {Describe(sniffer.FromClient)}");
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromServer), $"{name} sent no RSV1 frame: {Describe(sniffer.FromServer)}");
    }

    /// <summary>Our server asking for no context takeover both ways; the peers agree and keep working.</summary>
    [Theory]
    [InlineData("node-ws")]
    [InlineData("python-websockets")]
    public async Task no_context_takeover_both_ways_interoperates(string name)
    {
        var (server, connections) = await StartOurEchoAsync(new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true });
        await using var _s = server;
        await using var sniffer = new FrameSniffer(server.EndPoints[0].Port);
        PeerTranscript run = await ScriptedPeers.ByName(name).RunClientAsync(new Uri($"ws://127.0.0.1:{sniffer.Port}/echo"), Script(fragments: true), Cancel);
        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        lock (connections)
        {
            Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", Assert.Single(connections).PerMessageDeflate!.ToString());
        }
        if (name == "python-websockets")
        {
            // Python reports the response header as it came (Node's ws reports only the extension's name).
            Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", run.Open!.Extensions);
        }
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromClient), Describe(sniffer.FromClient));
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromServer), Describe(sniffer.FromServer));
    }

    private static string Describe(IEnumerable<byte> firsts) => string.Join(" ", firsts.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
