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

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.ReceiveBufferSize = 64 * 1024;
        await socket.ConnectAsync(server.EndPoints[0], ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /flood HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
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
}
