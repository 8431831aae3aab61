using System.Buffers;
using System.Net;
using System.Text;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.Server;

using Ws101.Tests.Client;

namespace Ws101.Tests.Compression;

public class ConnectionTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static async Task<WebSocketServer> StartEchoAsync(PerMessageDeflateOptions? compression, ReceiveMode mode = ReceiveMode.WholeMessages,
        long maxMessage = ProtocolOptions.DefaultMaxSize, Action<WebSocketConnection>? onConnection = null)
    {
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Connection = new WebSocketConnectionOptions
            {
                Compression = compression,
                Protocol = new ProtocolOptions { ReceiveMode = mode, MaxMessageSize = maxMessage, MaxFrameSize = maxMessage },
            },
        });
        server.Map("/echo", async (ws, ct) =>
        {
            onConnection?.Invoke(ws);
            await Server.TestServer.Echo(ws, ct);
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    private static Uri Url(WebSocketServer server) => new($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo");

    public static TheoryData<bool, bool, ReceiveMode> Configurations()
    {
        var data = new TheoryData<bool, bool, ReceiveMode>();
        foreach (bool s in new[] { false, true })
        {
            foreach (bool c in new[] { false, true })
            {
                data.Add(s, c, ReceiveMode.WholeMessages);
            }
        }
        data.Add(false, false, ReceiveMode.Streaming);
        data.Add(true, true, ReceiveMode.Streaming);
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task our_client_and_server_exchange_compressed_messages(bool serverNoContextTakeover, bool clientNoContextTakeover, ReceiveMode serverMode)
    {
        WebSocketConnection? serverSide = null;
        await using var server = await StartEchoAsync(new PerMessageDeflateOptions { ServerNoContextTakeover = serverNoContextTakeover }, serverMode,
            onConnection: ws => serverSide = ws);
        await using var ws = await WebSocketClient.ConnectAsync(Url(server), new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions { ClientNoContextTakeover = clientNoContextTakeover } },
        }, Timeout);
        Assert.NotNull(ws.PerMessageDeflate);
        Assert.Equal(serverNoContextTakeover, ws.PerMessageDeflate.Parameters.ServerNoContextTakeover);
        Assert.Equal(clientNoContextTakeover, ws.PerMessageDeflate.Parameters.ClientNoContextTakeover);
        Assert.Contains("permessage-deflate", ws.Handshake.ResponseText, StringComparison.Ordinal);

        var json = Encoding.UTF8.GetString(Corpus.Json(200_000));
        for (int i = 0; i < 3; i++)
        {
            await ws.SendTextAsync(json, Timeout);
            Assert.Equal(json, await ReceiveWholeTextAsync(ws));
        }
        await ws.SendTextAsync("tiny", Timeout);
        Assert.Equal("tiny", await ReceiveWholeTextAsync(ws));
        var random = Corpus.Random(70_000);
        await ws.SendBinaryAsync(random, MessageCompression.Always, Timeout);
        var back = await ws.ReceiveAsync(Timeout);
        Assert.Equal(random, back.Data.ToArray());
        // A streamed message: compressed part by part, RSV1 on its first frame only.
        var bytes = Corpus.Json(100_000, 7);
        for (int at = 0; at < bytes.Length; at += 30_000)
        {
            int n = Math.Min(30_000, bytes.Length - at);
            await ws.SendAsync(bytes.AsMemory(at, n), WebSocketMessageKind.Text, at + n == bytes.Length, Timeout);
        }
        Assert.Equal(Encoding.UTF8.GetString(bytes), await ReceiveWholeTextAsync(ws));
        Assert.NotNull(serverSide!.PerMessageDeflate);
        await ws.CloseAsync(CloseCode.NormalClosure, "bye", Timeout);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    private static async Task<string> ReceiveWholeTextAsync(WebSocketConnection ws)
    {
        var all = new List<byte>();
        while (true)
        {
            var m = await ws.ReceiveAsync(Timeout);
            Assert.Equal(WebSocketMessageKind.Text, m.Kind);
            all.AddRange(m.Data.ToArray());
            if (m.EndOfMessage)
            {
                return Encoding.UTF8.GetString(all.ToArray());
            }
        }
    }

    [Fact]
    public async Task a_server_without_compression_declines_and_messages_go_plain()
    {
        await using var server = await StartEchoAsync(null);
        await using var ws = await WebSocketClient.ConnectAsync(Url(server), new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions { Compression = new() },
        }, Timeout);
        Assert.Null(ws.PerMessageDeflate);
        await ws.SendTextAsync(new string('x', 5000), Timeout);
        Assert.Equal(5000, (await ws.ReceiveAsync(Timeout)).Data.Length);
    }

    private static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var c = new PerMessageDeflateCompressor(System.IO.Compression.CompressionLevel.Optimal);
        return c.Compress(data, true).ToArray();
    }

    private static byte[] Inflate(byte[] data)
    {
        using var d = new PerMessageDeflateDecompressor(1 << 24);
        Assert.Equal(OperationStatus.Done, d.Decompress(new ReadOnlySequence<byte>(data), true, out var inflated));
        return inflated.ToArray();
    }

    [Fact]
    public async Task on_the_wire_rsv1_marks_compressed_messages_only_and_fragments_after_compression_are_read()
    {
        await using var server = await StartEchoAsync(new PerMessageDeflateOptions());
        await using var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/echo", "permessage-deflate; client_max_window_bits", Timeout);
        Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate\r\n", peer.ResponseHead, StringComparison.Ordinal);

        // A compressed text message in one frame: FIN | RSV1 | text = 0xC1.
        var text = Corpus.Json(5000);
        await peer.SendFrameAsync(0xC1, Deflate(text), Timeout);
        var reply = await peer.ReadFrameAsync(Timeout);
        Assert.Equal(0xC1, reply!.Value.First);
        Assert.True(reply.Value.Payload.Length < text.Length / 2);
        Assert.Equal(text, Inflate(reply.Value.Payload));

        // The same message compressed, then cut into three frames: RSV1 on the first frame only (RFC 7692 §6.1).
        var compressed = Deflate(text);
        int third = compressed.Length / 3;
        await peer.SendFrameAsync(0x41, compressed.AsMemory(0, third), Timeout);
        await peer.SendFrameAsync(0x00, compressed.AsMemory(third, third), Timeout);
        await peer.SendFrameAsync(0x80, compressed.AsMemory(2 * third), Timeout);
        reply = await peer.ReadFrameAsync(Timeout);
        Assert.Equal(0xC1, reply!.Value.First);

        // A message below the minimum size goes back uncompressed: FIN | text = 0x81.
        await peer.SendFrameAsync(0x81, "short"u8.ToArray(), Timeout);
        reply = await peer.ReadFrameAsync(Timeout);
        Assert.Equal(0x81, reply!.Value.First);
        Assert.Equal("short"u8.ToArray(), reply.Value.Payload);
    }

    [Fact]
    public async Task our_client_sets_rsv1_on_the_wire_as_each_message_chooses()
    {
        // A hand-written server: accepts permessage-deflate and records the first byte of each frame our client writes.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var frames = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync(Timeout);
            var stream = tcp.GetStream();
            string head = await RawServer.AnswerUpgradeAsync(stream, "Sec-WebSocket-Extensions: permessage-deflate\r\n", Timeout);
            Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate\r\n", head, StringComparison.Ordinal);
            var seen = new List<(byte First, byte[] Payload)>();
            for (int i = 0; i < 4; i++)
            {
                seen.Add(await RawServer.ReadClientFrameAsync(stream, Timeout));
            }
            return seen;
        });
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions { MinimumMessageSize = 10 } },
        }, Timeout);
        Assert.NotNull(ws.PerMessageDeflate);
        await ws.SendTextAsync(new string('a', 1000), MessageCompression.Never, Timeout);
        await ws.SendTextAsync("abc", MessageCompression.Always, Timeout);
        await ws.SendTextAsync("abcd", Timeout);
        await ws.SendTextAsync(new string('b', 1000), Timeout);
        var got = await frames.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 0x81, 0xC1, 0x81, 0xC1 }, got.Select(f => f.First).ToArray());
        Assert.Equal(1000, got[0].Payload.Length);
        Assert.Equal("abc", Encoding.UTF8.GetString(Inflate(got[1].Payload)));
        Assert.True(got[3].Payload.Length < 20, got[3].Payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new string('b', 1000), Encoding.UTF8.GetString(Inflate(got[3].Payload)));
        ws.Abort();
    }

    [Fact]
    public async Task the_server_honours_a_clients_server_max_window_bits_by_compressing_only_what_fits()
    {
        await using var server = await StartEchoAsync(new PerMessageDeflateOptions { MinimumMessageSize = 0 });
        await using var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/echo", "permessage-deflate; server_max_window_bits=9", Timeout);
        Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n", peer.ResponseHead, StringComparison.Ordinal);
        var fits = Corpus.Json(512)[..512];
        await peer.SendFrameAsync(0x82, fits, Timeout);
        var reply = await peer.ReadFrameAsync(Timeout);
        Assert.Equal(0xC2, reply!.Value.First);
        Assert.Equal(fits, Inflate(reply.Value.Payload));
        var tooLong = Corpus.Json(513, 3).AsMemory(0, 513);
        await peer.SendFrameAsync(0x82, tooLong, Timeout);
        reply = await peer.ReadFrameAsync(Timeout);
        Assert.Equal(0x82, reply!.Value.First);
        Assert.Equal(tooLong.ToArray(), reply.Value.Payload);
    }

    /// <summary>A one-connection server written by hand: answers the upgrade with <paramref name="extensions"/> and records frames.</summary>
    private static (int Port, Task<List<(byte First, byte[] Payload)>> Frames) HandWrittenServer(string extensions, int frameCount)
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var frames = Task.Run(async () =>
        {
            using var _ = listener.Server;
            using var tcp = await listener.AcceptTcpClientAsync(Timeout);
            listener.Stop();
            var stream = tcp.GetStream();
            await RawServer.AnswerUpgradeAsync(stream, $"Sec-WebSocket-Extensions: {extensions}\r\n", Timeout);
            var seen = new List<(byte First, byte[] Payload)>();
            for (int i = 0; i < frameCount; i++)
            {
                seen.Add(await RawServer.ReadClientFrameAsync(stream, Timeout));
            }
            return seen;
        });
        return (port, frames);
    }

    [Fact]
    public async Task our_client_honours_a_servers_client_max_window_bits_by_compressing_only_what_fits()
    {
        var (port, frames) = HandWrittenServer("permessage-deflate; client_max_window_bits=10; server_no_context_takeover", 3);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions
        {
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions { OfferClientMaxWindowBits = true } },
        }, Timeout);
        Assert.Equal(10, ws.PerMessageDeflate!.MaxWindowBits(WebSocketRole.Client));
        var fits = Corpus.Json(1024)[..1024];
        var tooLong = Corpus.Json(1025, 9).AsMemory(0, 1025);
        await ws.SendBinaryAsync(fits, Timeout);
        await ws.SendBinaryAsync(tooLong, Timeout);
        // A streamed message has no known length: it goes plain under a small window.
        await ws.SendAsync(fits, WebSocketMessageKind.Binary, endOfMessage: true, MessageCompression.Auto, Timeout);
        var got = await frames.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 0xC2, 0x82, 0xC2 }, got.Select(f => f.First).ToArray());
        Assert.Equal(fits, Inflate(got[0].Payload));
        Assert.Equal(tooLong.ToArray(), got[1].Payload);
        ws.Abort();
    }

    [Theory]
    [InlineData("permessage-deflate; client_max_window_bits")]
    [InlineData("permessage-deflate; client_max_window_bits=12")]
    [InlineData("permessage-deflate; server_max_window_bits=7")]
    [InlineData("permessage-deflate; unknown_parameter")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("permessage-deflate, permessage-deflate")]
    public async Task our_client_fails_the_connection_on_an_invalid_response(string extensions)
    {
        var (port, _) = HandWrittenServer(extensions, 0);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"),
            new WebSocketClientOptions { Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() } }, Timeout));
        Assert.Contains(ex.Problems, p => p.Code == Ws101.HandshakeProblemCode.InvalidExtensionResponse);
    }

    [Fact]
    public async Task text_that_inflates_to_invalid_utf8_fails_with_1007_and_bad_deflate_data_too()
    {
        await using var server = await StartEchoAsync(new PerMessageDeflateOptions());
        await using (var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/echo", "permessage-deflate", Timeout))
        {
            await peer.SendFrameAsync(0xC1, Deflate([0x68, 0xC3, 0x28, 0x69]), Timeout);
            var close = await peer.ReadFrameAsync(Timeout);
            Assert.Equal(0x88, close!.Value.First);
            Assert.Equal(1007, (close.Value.Payload[0] << 8) | close.Value.Payload[1]);
        }
        await using (var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/echo", "permessage-deflate", Timeout))
        {
            await peer.SendFrameAsync(0xC2, new byte[] { 0xff, 0xff, 0xff, 0xff }, Timeout);
            var close = await peer.ReadFrameAsync(Timeout);
            Assert.Equal(0x88, close!.Value.First);
            Assert.Equal(1007, (close.Value.Payload[0] << 8) | close.Value.Payload[1]);
        }
        // Without the extension, RSV1 is a protocol error (RFC 6455 §5.2).
        await using (var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/echo", null, Timeout))
        {
            await peer.SendFrameAsync(0xC1, Deflate("hello"u8), Timeout);
            var close = await peer.ReadFrameAsync(Timeout);
            Assert.Equal(1002, (close!.Value.Payload[0] << 8) | close.Value.Payload[1]);
        }
    }
}
