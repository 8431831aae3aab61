using System.Net.Sockets;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Bench;

/// <summary>
/// bench/server/floor.c, the minimal C echo the server bench runs beside the servers as the machine's floor, compiled
/// with gcc here and checked to be a WebSocket server in what it does: its 101 carries the right Sec-WebSocket-Accept
/// (our client rejects anything else), it echoes text and binary messages from 20 bytes to 1 MiB unchanged, answers a
/// ping and a close, and drops a client that breaks the protocol. A floor that cut a corner the servers pay for would
/// flatter them; one that answered wrong would measure nothing.
/// </summary>
public sealed class FloorServerTests : IAsyncLifetime
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);
    private FloorServer? _floor;
    private int _port;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _floor = await FloorServer.StartAsync(RunLimit, Cancel);
        _port = _floor.Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_floor is not null)
        {
            await _floor.DisposeAsync();
        }
    }

    [Fact]
    public async Task its_101_passes_our_client_and_it_echoes_text_and_binary_from_20_bytes_to_1_MiB_then_answers_ping_and_close()
    {
        var options = new WebSocketClientOptions { MaxMessageSize = 4 << 20 };
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/echo"), options, Cancel);

        await ws.SendTextAsync("hello, floor", Cancel);
        Assert.Equal("hello, floor", (await ws.ReceiveAsync(Cancel)).GetText());
        foreach (int size in new[] { 20, 125, 126, 16 * 1024, 65535, 65536, 1 << 20 })
        {
            byte[] payload = Payload.Binary(size);
            await ws.SendBinaryAsync(payload, Cancel);
            var echoed = await ws.ReceiveAsync(Cancel);
            Assert.Equal(WebSocketMessageKind.Binary, echoed.Kind);
            Assert.True(echoed.EndOfMessage);
            Assert.True(payload.AsSpan().SequenceEqual(echoed.Data.Span), $"the {size}-byte echo differs");
        }
        // The pong is read by a receive (PingAsync's contract); then a text message proves the connection still echoes.
        var pong = ws.PingAsync("still there?"u8.ToArray(), Cancel);
        var next = ws.ReceiveAsync(Cancel).AsTask();
        Assert.True((await pong) >= TimeSpan.Zero);
        await ws.SendTextAsync("after the pong", Cancel);
        Assert.Equal("after the pong", (await next).GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "", Cancel);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Theory]
    [InlineData("an unmasked client frame", new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' })]
    [InlineData("a reserved bit set", new byte[] { 0xC1, 0x82, 1, 2, 3, 4, 0, 0 })]
    [InlineData("a ping of 126 bytes", new byte[] { 0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4 })]
    [InlineData("a frame over 16 MiB", new byte[] { 0x82, 0xFF, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 4 })]
    public async Task a_client_that_breaks_the_protocol_is_dropped(string what, byte[] frame)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _port, Cancel);
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"u8.ToArray(), Cancel);
        string head = await ReadHeadAsync(stream);
        // RFC 6455's own example key and accept (section 1.3).
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", head, StringComparison.Ordinal);
        await stream.WriteAsync(frame, Cancel);
        Assert.True(await ClosedAsync(stream), $"still open after {what}");
    }

    [Fact]
    public async Task a_request_without_a_key_and_a_head_over_8_KiB_are_dropped_without_a_101()
    {
        foreach (string request in new[]
        {
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n",
            "GET /echo HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Long: " + new string('a', 9000) + "\r\n\r\n",
        })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", _port, Cancel);
            var stream = tcp.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), Cancel);
            Assert.True(await ClosedAsync(stream), $"still open after a {request.Length}-byte head");
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(PeerTimeouts.Step);
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            Assert.True(await stream.ReadAsync(one, deadline.Token) == 1, "closed before the end of the response head");
            head.Add(one[0]);
        }
        return System.Text.Encoding.ASCII.GetString(head.ToArray());
    }

    // True once the server has closed the connection (end of stream or reset), within the step limit; nothing but that
    // may come first (a dropped client gets no frame).
    private static async Task<bool> ClosedAsync(NetworkStream stream)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(PeerTimeouts.Step);
        var buffer = new byte[64];
        try
        {
            return await stream.ReadAsync(buffer, deadline.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
