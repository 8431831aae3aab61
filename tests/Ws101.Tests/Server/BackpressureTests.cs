using System.Net.Sockets;
using System.Text;
using Ws101.Server;

namespace Ws101.Tests.Server;

public class BackpressureTests
{
    [Fact]
    public async Task a_peer_that_never_reads_holds_at_most_one_message_and_is_dropped_after_the_send_timeout()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var options = new WebSocketServerOptions
        {
            EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)],
            Connection = new WebSocketConnectionOptions { SendTimeout = TimeSpan.FromSeconds(1) },
        };
        await using var server = new WebSocketServer(options);
        var outcome = new TaskCompletionSource<(int Sent, Exception? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Map("/flood", async (ws, stopping) =>
        {
            var chunk = new byte[64 * 1024];
            int sent = 0;
            try
            {
                // Bounded: 1 GiB at most, far more than any socket buffer holds.
                for (; sent < 16_384; sent++)
                {
                    await ws.SendBinaryAsync(chunk, CancellationToken.None);
                }
                outcome.TrySetResult((sent, null));
            }
            catch (WebSocketClosedException ex)
            {
                outcome.TrySetResult((sent, ex));
            }
        });
        await server.StartAsync(ct);

        using var socket = await UpgradeRawAsync(server, "/flood", receiveBuffer: 64 * 1024, ct);
        // ...and never read again.
        var (sentCount, error) = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.NotNull(error);
        // Only what the kernel's buffers hold went out: the server queued one message at a time, not the flood.
        Assert.True(sentCount < 200, $"{sentCount} messages of 64 KiB were accepted for a peer that reads nothing");
        for (int i = 0; i < 100 && server.ConnectionCount > 0; i++)
        {
            await Task.Delay(20, ct);
        }
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task a_large_message_to_a_slow_reader_arrives_whole_when_the_kernel_takes_header_and_payload_in_parts()
    {
        // A server frame from 2 KiB up goes to the kernel as header + payload in one vectored send; what the kernel does not
        // take at once is copied behind the header and written as the peer reads. 8 MiB against a 16 KiB receive buffer
        // makes the kernel take it in many parts. The caller's array is overwritten once each send returns: the bytes on
        // the wire must be the ones it held during the send.
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)] });
        int[] sizes = [8 * 1024 * 1024, 3 * 1024, 2048, 100];
        server.Map("/big", async (ws, stopping) =>
        {
            foreach (int size in sizes)
            {
                byte[] payload = Pattern(size);
                await ws.SendBinaryAsync(payload, stopping);
                Array.Clear(payload);
            }
            await ws.SendTextAsync("end", stopping);
        });
        await server.StartAsync(ct);

        using var socket = await UpgradeRawAsync(server, "/big", receiveBuffer: 16 * 1024, ct);
        using var stream = new NetworkStream(socket);
        string head = await ReadHeadAsync(stream, ct);
        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);

        foreach (int size in sizes)
        {
            var (opcode, payload) = await ReadFrameAsync(stream, ct);
            Assert.Equal(2, opcode);
            Assert.Equal(size, payload.Length);
            Assert.True(payload.AsSpan().SequenceEqual(Pattern(size)), $"the {size}-byte message arrived with other bytes than were sent");
        }
        var (last, end) = await ReadFrameAsync(stream, ct);
        Assert.Equal(1, last);
        Assert.Equal("end", Encoding.UTF8.GetString(end));
    }

    /// <summary>Bytes that differ from one position to the next and from zeros, so a shifted, repeated or cleared range shows.</summary>
    private static byte[] Pattern(int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)(1 + (i % 251));
        }
        return bytes;
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.True(head.Length < 8192, "no end of the response head within 8 KiB");
            await stream.ReadExactlyAsync(one, ct);
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    /// <summary>Reads one whole unmasked frame (RFC 6455 §5.2: a server's frames are never masked).</summary>
    private static async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(NetworkStream stream, CancellationToken ct)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header, ct);
        Assert.True((header[0] & 0x80) != 0, "a frame of a fragmented message; the server sends these whole");
        Assert.True((header[1] & 0x80) == 0, "a masked frame from the server");
        long length = header[1] & 0x7F;
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await stream.ReadExactlyAsync(extended, ct);
            length = extended.Aggregate(0L, (n, b) => (n << 8) | b);
        }
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, ct);
        return (header[0] & 0x0F, payload);
    }

    /// <summary>A raw TCP peer with a small receive buffer that sends the upgrade request for <paramref name="path"/>.</summary>
    private static async Task<Socket> UpgradeRawAsync(WebSocketServer server, string path, int receiveBuffer, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = receiveBuffer };
        await socket.ConnectAsync(server.EndPoints[0], ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
        return socket;
    }
}
