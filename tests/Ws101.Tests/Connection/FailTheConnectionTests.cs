using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Client;

namespace Ws101.Tests.Connection;

/// <summary>
/// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): "the endpoint MUST _Close the WebSocket Connection_, and MAY report
/// the problem to the user", after sending a close frame that says why when it can. The peer must get that frame even when
/// it is still sending the message that broke a limit: closing TCP with its bytes unread would reset the connection, and
/// the reset would take the close frame with it (the client tests against Node and Python saw this under load). So the
/// failing side half-closes and drains, within bounds, before it closes.
/// </summary>
public class FailTheConnectionTests
{
    private const int Limit = 64 * 1024;
    private const int Sent = 4 * 1024 * 1024;

    private static CancellationToken Timeout => CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token).Token;

    [Fact]
    public async Task our_server_failing_a_message_over_its_limit_sends_1009_that_a_client_still_sending_receives()
    {
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            MaxMessageSize = Limit,
        });
        server.Map("/echo", Server.TestServer.Echo);
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var _ = server;

        for (int i = 0; i < 3; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), Timeout);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), Timeout);
            Assert.StartsWith("HTTP/1.1 101 ", await RawServer.ReadHeadAsync(stream, Timeout), StringComparison.Ordinal);

            // One masked binary frame of 4 MiB, sent whole before anything is read, as a client streaming an upload does.
            await SendBigFrameAsync(stream, masked: true);

            var (code, masked) = await ReadCloseAsync(stream);
            Assert.Equal(1009, code);
            Assert.False(masked, "a server's frames are not masked (§5.1)");
        }
    }

    [Fact]
    public async Task our_client_failing_a_message_over_its_limit_sends_1009_that_a_server_still_sending_receives()
    {
        for (int i = 0; i < 3; i++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var peer = Task.Run(async () =>
            {
                using var tcp = await listener.AcceptTcpClientAsync(Timeout);
                var stream = tcp.GetStream();
                await RawServer.AnswerUpgradeAsync(stream, "", Timeout);
                await SendBigFrameAsync(stream, masked: false);
                return await ReadCloseAsync(stream);
            }, Timeout);

            await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions
            {
                MaxMessageSize = Limit,
            }, Timeout);
            WebSocketMessage close = await ws.ReceiveAsync(Timeout);
            Assert.Equal(CloseCode.MessageTooBig, close.CloseStatus);

            var (code, masked) = await peer;
            Assert.Equal(1009, code);
            Assert.True(masked, "a client's frames are masked (§5.1)");
        }
    }

    private static async Task SendBigFrameAsync(Stream stream, bool masked)
    {
        var header = new byte[masked ? 14 : 10];
        header[0] = 0x82;
        header[1] = (byte)((masked ? 0x80 : 0) | 127);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), Sent);
        await stream.WriteAsync(header, Timeout);
        var chunk = new byte[64 * 1024];
        for (int sent = 0; sent < Sent; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk, Timeout);
        }
    }

    /// <summary>Reads the next frame, which must be a close with a code, and returns the code and whether it was masked.</summary>
    private static async Task<(int Code, bool Masked)> ReadCloseAsync(Stream stream)
    {
        var h = new byte[2];
        await stream.ReadExactlyAsync(h, Timeout);
        Assert.Equal(0x88, h[0]);
        bool masked = (h[1] & 0x80) != 0;
        int length = h[1] & 0x7f;
        Assert.InRange(length, 2, 125);
        var mask = new byte[masked ? 4 : 0];
        await stream.ReadExactlyAsync(mask, Timeout);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, Timeout);
        for (int i = 0; i < payload.Length && masked; i++)
        {
            payload[i] ^= mask[i % 4];
        }
        return (BinaryPrimitives.ReadUInt16BigEndian(payload), masked);
    }
}
