using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Server;
using Ws101.Tests.Diagnostics;
using Ws101.Tests.Server;

namespace Ws101.Tests.PubSub;

/// <summary>
/// Compress once: a topic message goes deflated, the same bytes for every permessage-deflate subscriber whose agreement
/// lets the server compress each message on its own. Reads the process-wide meter, so runs alone.
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public class CompressOnceTests
{
    private static async Task<(WebSocketServer Server, WebSocketTopics Topics)> StartAsync(PerMessageDeflateOptions? compression)
    {
        var topics = new WebSocketTopics();
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Compression = compression,
        });
        server.Map("/sub", async (ws, ct) =>
        {
            topics.Subscribe(ws, "t");
            while (!(await ws.ReceiveAsync(ct)).IsClose)
            {
            }
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
        return (server, topics);
    }

    /// <summary>A subscriber that reads raw frames off the socket, offering <paramref name="extension"/>, to see what goes on the wire.</summary>
    private sealed class RawSubscriber : IDisposable
    {
        private readonly TcpClient _tcp = new();
        private Stream _stream = Stream.Null;

        public static async Task<RawSubscriber> ConnectAsync(int port, string extension, CancellationToken ct)
        {
            var raw = new RawSubscriber();
            await raw._tcp.ConnectAsync(IPAddress.Loopback, port, ct);
            raw._stream = raw._tcp.GetStream();
            string request = $"GET /sub HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {extension}\r\n\r\n";
            await raw._stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                await raw._stream.ReadExactlyAsync(one, ct);
                head.Append((char)one[0]);
            }
            Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
            raw.Response = head.ToString();
            return raw;
        }

        public string Response { get; private set; } = "";

        /// <summary>The next frame: its first byte (FIN, RSV1, opcode) and its payload, inflated when RSV1 is set.</summary>
        public async Task<(byte First, string Text, int WireLength)> ReadAsync(CancellationToken ct)
        {
            var header = new byte[2];
            await _stream.ReadExactlyAsync(header, ct);
            long length = header[1] & 0x7F;
            if (length == 126)
            {
                var ext = new byte[2];
                await _stream.ReadExactlyAsync(ext, ct);
                length = (ext[0] << 8) | ext[1];
            }
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, ct);
            if ((header[0] & 0x40) == 0)
            {
                return (header[0], Encoding.UTF8.GetString(payload), payload.Length);
            }
            // RFC 7692 §7.2.2: append 00 00 ff ff and inflate.
            using var inflate = new DeflateStream(new MemoryStream([.. payload, 0, 0, 0xff, 0xff]), CompressionMode.Decompress);
            using var text = new MemoryStream();
            await inflate.CopyToAsync(text, ct);
            return (header[0], Encoding.UTF8.GetString(text.ToArray()), payload.Length);
        }

        public void Dispose() => _tcp.Dispose();
    }

    private static string Message(int n, int length) => $"P{new string('x', length)}:{n}";

    [Fact]
    public async Task With_server_no_context_takeover_each_message_is_deflated_once_for_every_deflate_subscriber_and_the_others_get_it_plain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = new MetricRecorder();
        var (server, topics) = await StartAsync(new PerMessageDeflateOptions { ServerNoContextTakeover = true });
        await using (server)
        {
            var deflating = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => WebSocketClient.ConnectAsync(server.Url("/sub"),
                new WebSocketClientOptions { Compression = PerMessageDeflateOptions.Default }, ct)));
            var plain = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => WebSocketClient.ConnectAsync(server.Url("/sub"), cancellationToken: ct)));
            using var raw = await RawSubscriber.ConnectAsync(server.EndPoints[0].Port, "permessage-deflate", ct);
            Assert.Contains("server_no_context_takeover", raw.Response, StringComparison.Ordinal);
            // Python's websockets, which offers permessage-deflate by itself, reads the shared deflated frames too.
            using var python = await PeerSubscriber.StartAsync("/usr/bin/python3", "python/topic_subscriber.py", server.Url("/sub").ToString(), 50, ct);
            await Eventually.TrueAsync(() => topics.GetSubscriberCount("t") == 27, TimeSpan.FromSeconds(10), () => $"{topics.GetSubscriberCount("t")} subscribed");
            long before = metrics.Get("ws101.topics.deflations");
            for (int n = 0; n < 50; n++)
            {
                topics.Publish("t", Message(n, 1000));
            }
            foreach (var ws in deflating.Concat(plain))
            {
                for (int n = 0; n < 50; n++)
                {
                    Assert.Equal(Message(n, 1000), (await ws.ReceiveAsync(ct)).GetText());
                }
            }
            for (int n = 0; n < 50; n++)
            {
                var (first, text, wire) = await raw.ReadAsync(ct);
                // FIN, RSV1 (compressed, RFC 7692 §6), text; far smaller than the 1 KiB message.
                Assert.Equal(0xC1, first);
                Assert.Equal(Message(n, 1000), text);
                Assert.True(wire < 100, $"{wire} bytes on the wire");
            }
            Assert.Equal("ok 50", await python.ResultAsync(TimeSpan.FromSeconds(20)));
            // Once per message, not once per deflate subscriber (22 of them).
            Assert.Equal(50, metrics.Get("ws101.topics.deflations") - before);
            foreach (var ws in deflating.Concat(plain))
            {
                await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
            }
        }
    }

    [Fact]
    public async Task With_context_takeover_or_a_message_longer_than_a_small_window_the_frame_goes_plain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = new MetricRecorder();
        // The server keeps its context across messages unless the client asks otherwise: a shared frame would not fit.
        var (server, topics) = await StartAsync(PerMessageDeflateOptions.Default);
        await using (server)
        {
            using var keeps = await RawSubscriber.ConnectAsync(server.EndPoints[0].Port, "permessage-deflate", ct);
            Assert.DoesNotContain("server_no_context_takeover", keeps.Response, StringComparison.Ordinal);
            // Asks for no context takeover and a 512-byte window: messages up to 512 bytes can be shared, longer ones not.
            using var small = await RawSubscriber.ConnectAsync(server.EndPoints[0].Port, "permessage-deflate; server_no_context_takeover; server_max_window_bits=9", ct);
            await Eventually.TrueAsync(() => topics.GetSubscriberCount("t") == 2, TimeSpan.FromSeconds(10), () => "subscribed");
            long before = metrics.Get("ws101.topics.deflations");
            topics.Publish("t", Message(0, 400));
            topics.Publish("t", Message(1, 2000));
            var k0 = await keeps.ReadAsync(ct);
            var k1 = await keeps.ReadAsync(ct);
            Assert.Equal((0x81, Message(0, 400)), (k0.First, k0.Text));
            Assert.Equal((0x81, Message(1, 2000)), (k1.First, k1.Text));
            var s0 = await small.ReadAsync(ct);
            var s1 = await small.ReadAsync(ct);
            Assert.Equal((0xC1, Message(0, 400)), (s0.First, s0.Text));
            Assert.Equal((0x81, Message(1, 2000)), (s1.First, s1.Text));
            Assert.Equal(1, metrics.Get("ws101.topics.deflations") - before);
        }
    }
}
