using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ws101.Tests.Connection;

// Issue 15 item 4: a connection failed by the peer's protocol violation after the 101 carries the rule and the evidence
// (the frame header bytes, the offset) in the close the application receives and in the exception a later send throws.
public class ProtocolViolationEvidenceTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task a_server_that_masks_its_frames_fails_the_client_with_the_rule_and_the_frame_header()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // A good text frame "ok" (4 bytes), then a masked text frame: RFC 6455 §5.1 forbids a server to mask.
        byte[] masked = [0x81, 0x82, 1, 2, 3, 4, (byte)('h' ^ 1), (byte)('i' ^ 2)];
        var server = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync(Timeout);
            var stream = tcp.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one, Timeout) == 1)
            {
                head.Append((char)one[0]);
            }
            string key = head.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Accept: {Ws101.Handshake.WebSocketAccept.Compute(key)}\r\n\r\n"), Timeout);
            await stream.WriteAsync(new byte[] { 0x81, 0x02, (byte)'o', (byte)'k' }.Concat(masked).ToArray(), Timeout);
            // Read until the client closes (its 1002 close frame, then the end of the stream).
            var sink = new byte[256];
            while (await stream.ReadAsync(sink, Timeout) > 0)
            {
            }
        }, Timeout);

        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions(), Timeout);
        Assert.Equal("ok", (await ws.ReceiveAsync(Timeout)).GetText());
        var close = await ws.ReceiveAsync(Timeout);

        Assert.True(close.IsClose);
        Assert.Equal(CloseCode.ProtocolError, close.CloseStatus);
        ProtocolError error = Assert.IsType<ProtocolError>(close.ProtocolError);
        Assert.Equal(ProtocolErrorCode.MaskedFrameFromServer, error.Rule);
        Assert.Equal(4, error.FrameOffset);
        Assert.Equal(masked[..6], error.FrameHeader.ToArray());
        Assert.Equal(error, ws.ProtocolError);
        var thrown = await Assert.ThrowsAsync<WebSocketClosedException>(async () => await ws.SendTextAsync("more", Timeout));
        Assert.Equal(error, thrown.ProtocolError);
        Assert.Equal(CloseCode.ProtocolError, thrown.CloseStatus);
        Assert.Contains("MaskedFrameFromServer", thrown.Message, StringComparison.Ordinal);
        await server.WaitAsync(Timeout);
    }

    [Fact]
    public async Task an_ordinary_close_carries_no_protocol_error()
    {
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/", async (ws, ct) => await ws.CloseAsync(CloseCode.NormalClosure, "bye", ct));
        await server.StartAsync(Timeout);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/"), new WebSocketClientOptions(), Timeout);

        var close = await ws.ReceiveAsync(Timeout);

        Assert.Equal(CloseCode.NormalClosure, close.CloseStatus);
        Assert.Null(close.ProtocolError);
        Assert.Null(ws.ProtocolError);
    }
}
