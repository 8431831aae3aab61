using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Tests.Client;

/// <summary>
/// A reconnecting client closed or disposed by the application while a reconnect is in flight: the close is for good, so
/// the connection that reconnect was opening must not become the current one and live on, unowned, with the receive
/// going on over it.
/// </summary>
public class ReconnectingWebSocketTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task closing_or_disposing_while_a_reconnect_is_handshaking_closes_the_new_connection_and_the_receive_returns_the_close(bool dispose)
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/r");
        var reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1), MaxAttempts = 3 };

        var connecting = ReconnectingWebSocket.ConnectAsync(url, reconnect: reconnect, cancellationToken: ct);
        using (var first = await listener.AcceptTcpClientAsync(ct))
        {
            await RawServer.AnswerUpgradeAsync(first.GetStream(), "", ct);
            var ws = await connecting;
            var receiving = ws.ReceiveAsync(ct).AsTask();
            // Dropped without a close: 1006, on which the client reconnects.
            first.Client.LingerState = new LingerOption(true, 0);
            first.Close();

            using var second = await listener.AcceptTcpClientAsync(ct);
            var stream = second.GetStream();
            // The reconnect's request is here: its handshake is in flight when the application closes.
            string head = await RawServer.ReadHeadAsync(stream, ct);
            var closing = dispose ? ws.DisposeAsync().AsTask() : ws.CloseAsync(CloseCode.NormalClosure, "done", ct);
            string key = head.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Accept: {WebSocketAccept.Compute(key)}\r\n\r\n"), ct);

            // The new connection is closed (a close frame, then the end), not kept open.
            var ended = ReadUntilEndAsync(stream, ct);
            Assert.True(await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(10), ct)) == ended, "the reconnected connection stayed open after the close");
            second.Client.Shutdown(SocketShutdown.Send);
            var message = await receiving.WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.True(message.IsClose);
            await closing.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
    }

    /// <summary>Reads (and discards) what the client sends until it closes its end; the close frame it sent first is answered.</summary>
    private static async Task ReadUntilEndAsync(NetworkStream stream, CancellationToken ct)
    {
        while (true)
        {
            (byte first, byte[] payload) frame;
            try
            {
                frame = await RawServer.ReadClientFrameAsync(stream, ct);
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException)
            {
                return;
            }
            if ((frame.first & 0x0f) == 0x8)
            {
                // Answer the close, then close TCP as a server does (RFC 6455 §7.1.1).
                await stream.WriteAsync(new byte[] { 0x88, (byte)frame.payload.Length }.Concat(frame.payload).ToArray(), ct);
                return;
            }
        }
    }
}
