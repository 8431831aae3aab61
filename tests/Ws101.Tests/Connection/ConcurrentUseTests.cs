using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Connection;

/// <summary>
/// One connection used from many threads at once: whole messages, a streamed message, prepared frames, topic deliveries
/// and pings, while other threads close and dispose it, twice each. Nothing may hang, and the peer, reading every byte on
/// a raw socket, must find only whole, well-formed frames, every message that a send reported as sent, and nothing after
/// the close frame. Runs alone (with the other load tests) and is bounded in count and in time.
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public class ConcurrentUseTests
{
    private const int Workers = 6;
    private const int OperationsPerWorker = 60;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private enum Outcome
    {
        Sent,
        Closed,
        Refused,
    }

    private sealed record Operation(string Tag, Outcome Outcome);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task sends_closes_and_disposes_from_many_threads_never_hang_never_cut_a_frame_and_end_once(bool receiveLoop)
    {
        for (int round = 0; round < 10; round++)
        {
            await RoundAsync(receiveLoop, seed: round);
        }
    }

    private static async Task RoundAsync(bool receiveLoop, int seed)
    {
        var ct = new CancellationTokenSource(Bound * 2).Token;
        var accepted = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            // Generous, so that on a busy machine the close completes by the handshake, never by the timeout's reset.
            Connection = new WebSocketConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(20) },
        });
        server.Map("/stress", async (ws, _) =>
        {
            accepted.TrySetResult(ws);
            if (receiveLoop)
            {
                while (!(await ws.ReceiveAsync(CancellationToken.None)).IsClose)
                {
                }
            }
            await release.Task;
        });
        await server.StartAsync(ct);
        await using var topics = new WebSocketTopics();

        using var peer = await RecordingPeer.ConnectAsync(server.EndPoints[0].Port, "/stress", ct);
        var ws = await accepted.Task.WaitAsync(Bound, ct);
        topics.Subscribe(ws, "room");

        var operations = new ConcurrentQueue<Operation>();
        var streamed = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<Exception>();
        int done = 0;

        async Task Record(string tag, Func<Task> send)
        {
            try
            {
                await send();
                operations.Enqueue(new Operation(tag, Outcome.Sent));
            }
            catch (WebSocketClosedException)
            {
                operations.Enqueue(new Operation(tag, Outcome.Closed));
            }
            catch (InvalidOperationException)
            {
                // A whole message (or a prepared frame) while the streamed message is unfinished: RFC 6455 §5.4.
                operations.Enqueue(new Operation(tag, Outcome.Refused));
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
            Interlocked.Increment(ref done);
        }

        async Task Worker(int w)
        {
            var random = new Random(seed * 100 + w);
            for (int i = 0; i < OperationsPerWorker; i++)
            {
                string tag = $"{w}-{i}|";
                switch (w == 0 ? 99 : random.Next(5))
                {
                    case 0:
                        await Record("T" + tag, () => ws.SendTextAsync("T" + tag + new string('t', random.Next(3000))).AsTask());
                        break;
                    case 1:
                        await Record("B" + tag, () => ws.SendBinaryAsync(Encoding.UTF8.GetBytes("B" + tag + new string('b', random.Next(3000)))).AsTask());
                        break;
                    case 2:
                        await Record("P" + tag, async () =>
                        {
                            using var prepared = PreparedMessage.CreateText("P" + tag);
                            await ws.SendPreparedAsync(prepared);
                        });
                        break;
                    case 3:
                        topics.Publish("room", "R" + tag);
                        Interlocked.Increment(ref done);
                        break;
                    case 4:
                        try
                        {
                            await ws.PingAsync(Encoding.UTF8.GetBytes(tag));
                        }
                        catch (Exception ex) when (ex is WebSocketClosedException or OperationCanceledException)
                        {
                            // Closed before its pong, or superseded by a newer ping (one pong is awaited at a time).
                        }
                        Interlocked.Increment(ref done);
                        break;
                    default:
                        // The streamer: a text message in three parts, the last one ending it.
                        string text = "S" + tag;
                        var parts = new[] { text, new string('s', random.Next(2000)), "." };
                        string sent = "";
                        for (int p = 0; p < parts.Length; p++)
                        {
                            var part = Encoding.UTF8.GetBytes(parts[p]);
                            bool last = p == parts.Length - 1;
                            await Record(last ? text : text + "part", async () => await ws.SendAsync(part, WebSocketMessageKind.Text, last));
                            sent += parts[p];
                        }
                        streamed[text] = sent;
                        break;
                }
                if (random.Next(4) == 0)
                {
                    await Task.Yield();
                }
            }
        }

        async Task Closer(int c)
        {
            // Close and dispose once the others are under way (at a point that changes from round to round), twice each,
            // from three threads at once.
            int start = new Random(seed * 10 + c).Next(Workers * OperationsPerWorker / 2);
            while (Volatile.Read(ref done) < start)
            {
                await Task.Delay(1);
            }
            try
            {
                await (c % 2 == 0 ? ws.CloseAsync(CloseCode.NormalClosure, "bye " + c) : ws.DisposeAsync().AsTask());
                await (c % 2 == 0 ? ws.DisposeAsync().AsTask() : ws.CloseAsync(CloseCode.GoingAway, "bye " + c));
                await ws.CloseAsync();
                await ws.DisposeAsync();
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        }

        var all = Enumerable.Range(0, Workers).Select(w => Task.Run(() => Worker(w), ct))
            .Concat(Enumerable.Range(0, 3).Select(c => Task.Run(() => Closer(c), ct)))
            .ToList();
        // No deadlock: everything ends within the bound.
        await Task.WhenAll(all).WaitAsync(Bound, ct);
        Assert.Empty(failures);
        byte[] wire = await peer.Completion.WaitAsync(Bound, ct);
        release.TrySetResult();

        // Ended once: closed, with one status however often it is asked, and closing again returns at once.
        Assert.Equal(ConnectionState.Closed, ws.State);
        var status = ws.CloseStatus;
        Assert.NotNull(status);
        await ws.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5), ct);
        await ws.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.Equal(status, ws.CloseStatus);
        Assert.True(peer.ClosedCleanly, "the peer saw the TCP connection reset instead of closed");

        // What the peer got, parsed again from the first byte by a core of its own.
        var received = Parse(wire);
        var sent = operations.Where(o => o.Outcome == Outcome.Sent).Select(o => o.Tag).Where(t => !t.EndsWith("part", StringComparison.Ordinal)).ToHashSet();
        foreach (string tag in sent)
        {
            Assert.Contains(tag, received.Keys);
        }
        foreach (var (tag, text) in received)
        {
            Assert.True(tag[0] == 'R' || operations.Any(o => o.Tag == tag), $"the peer got '{tag}', which nobody sent");
            if (tag[0] == 'S')
            {
                Assert.Equal(streamed[tag], text);
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"round {seed}: {sent.Count} sent, {operations.Count(o => o.Outcome == Outcome.Closed)} refused as closed, " +
            $"{operations.Count(o => o.Outcome == Outcome.Refused)} refused mid-stream, {received.Count} received ({received.Keys.Count(k => k[0] == 'R')} through topics), " +
            $"{wire.Length} bytes, closed with {(int?)status}");
        // Each thread's messages arrive in the order it sent them.
        foreach (var group in received.Keys.GroupBy(t => t[1..t.IndexOf('-', StringComparison.Ordinal)]))
        {
            var order = group.Where(t => t[0] != 'R').Select(t => int.Parse(t[(t.IndexOf('-', StringComparison.Ordinal) + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(order.Order(), order);
        }
    }

    /// <summary>Every message the peer received, by tag; fails on a malformed or interleaved frame, a second close, or any byte after the close.</summary>
    private static Dictionary<string, string> Parse(byte[] wire)
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Client, new ProtocolOptions { SurfacePings = true });
        var messages = new Dictionary<string, string>();
        int at = 0;
        while (at < wire.Length)
        {
            bool got = core.TryReceive(wire.AsMemory(at), out int consumed, out var ev);
            at += consumed;
            Assert.True(got, $"{wire.Length - at} bytes at the end do not make a whole frame");
            Assert.NotEqual(ProtocolEventKind.Error, ev.Kind);
            if (ev.Kind == ProtocolEventKind.Close)
            {
                // RFC 6455 §5.5.1: after the close frame, "the endpoint MUST NOT send any further data frames".
                Assert.Equal(wire.Length, at);
                return messages;
            }
            if (ev.Kind == ProtocolEventKind.Message)
            {
                string text = Encoding.UTF8.GetString(ev.Payload);
                string tag = text[..(text.IndexOf('|', StringComparison.Ordinal) + 1)];
                Assert.True(messages.TryAdd(tag, text), $"'{tag}' arrived twice");
            }
        }
        Assert.Fail("the peer never received a close frame");
        return messages;
    }

    /// <summary>
    /// A client on a raw socket that records every byte it receives, answers pings and the close through a core of its
    /// own, and ends when the server closes the TCP connection.
    /// </summary>
    private sealed class RecordingPeer : IDisposable
    {
        private readonly Socket _socket;
        private readonly MemoryStream _recorded = new();

        private RecordingPeer(Socket socket) => _socket = socket;

        public Task<byte[]> Completion { get; private set; } = Task.FromResult(Array.Empty<byte>());

        public bool ClosedCleanly { get; private set; }

        public static async Task<RecordingPeer> ConnectAsync(int port, string path, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            var peer = new RecordingPeer(socket);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n" +
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
            var head = new List<byte>();
            var one = new byte[1];
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                Assert.Equal(1, await socket.ReceiveAsync(one, ct));
                head.Add(one[0]);
            }
            Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
            peer.Completion = Task.Run(() => peer.ReadAsync(ct), ct);
            return peer;
        }

        private async Task<byte[]> ReadAsync(CancellationToken ct)
        {
            var core = new WebSocketConnectionCore(WebSocketRole.Client);
            var replies = new System.Buffers.ArrayBufferWriter<byte>();
            var buffer = new byte[64 * 1024];
            int filled = 0;
            while (true)
            {
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(buffer.AsMemory(filled), ct);
                }
                catch (SocketException)
                {
                    return _recorded.ToArray();
                }
                if (n == 0)
                {
                    ClosedCleanly = true;
                    return _recorded.ToArray();
                }
                _recorded.Write(buffer, filled, n);
                filled += n;
                int at = 0;
                bool got;
                do
                {
                    got = core.TryReceive(buffer.AsMemory(at, filled - at), out int consumed, out _);
                    at += consumed;
                }
                while (got);
                buffer.AsSpan(at, filled - at).CopyTo(buffer);
                filled -= at;
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                // Pongs for the pings, and the reply to the server's close (RFC 6455 §5.5.1).
                core.WritePendingOutput(replies);
                if (replies.WrittenCount > 0)
                {
                    await _socket.SendAsync(replies.WrittenMemory, ct);
                    replies.ResetWrittenCount();
                }
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
