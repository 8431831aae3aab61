using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Server;
using Ws101.Transport;

namespace Ws101.Tests.Server;

/// <summary>
/// Lingering close: when the server answers before it has read the whole request (413 for a body too large, 400, 404,
/// 426) while the client is still sending, it half-closes and reads on, so that its close does not reset the connection
/// under the answer before the client has read it. The draining is bounded in bytes and in time.
/// </summary>
public class LingeringCloseTests
{
    private const int Body = 2 * 1024 * 1024;

    private static CancellationToken Timeout => CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token).Token;

    public static TheoryData<string, int> EarlyAnswers => new()
    {
        { $"POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: {Body}\r\n\r\n", 413 },
        { "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 404 },
        { "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426 },
        { "GARBAGE\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(EarlyAnswers))]
    public async Task a_client_that_sends_2_MiB_after_its_head_before_it_reads_gets_the_early_answer_not_a_reset(string head, int status)
    {
        await using var server = await StartAsync(new WebSocketServerOptions());
        for (int i = 0; i < 5; i++)
        {
            using var socket = await ConnectAsync(server);
            // Head and 2 MiB after it, all sent before reading anything, as Python's urllib sends a POST.
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, Timeout);
            var chunk = new byte[64 * 1024];
            for (int sent = 0; sent < Body; sent += chunk.Length)
            {
                await socket.SendAsync(chunk, SocketFlags.None, Timeout);
            }
            string answer = await ReadToEndAsync(socket);
            Assert.StartsWith($"HTTP/1.1 {status} ", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task a_client_that_never_stops_sending_is_cut_once_the_drain_has_taken_its_bound_in_bytes()
    {
        await using var server = await StartAsync(new WebSocketServerOptions());
        using var socket = await ConnectAsync(server);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {1L << 40}\r\n\r\n"), SocketFlags.None, Timeout);
        var chunk = new byte[64 * 1024];
        long sent = 0;
        // Up to four times the bound: the server must have cut the connection (the send fails) well before.
        var cut = await Record.ExceptionAsync(async () =>
        {
            while (sent < 4L * LingeringClose.MaxBytes)
            {
                await socket.SendAsync(chunk, SocketFlags.None, Timeout);
                sent += chunk.Length;
            }
        });
        Assert.IsType<SocketException>(cut);
        Assert.InRange(sent, LingeringClose.MaxBytes / 2, 4L * LingeringClose.MaxBytes);
    }

    [Fact]
    public async Task a_client_that_reads_the_answer_and_then_neither_sends_nor_closes_holds_its_place_only_for_the_drains_bound_in_time()
    {
        // One place: while the silent client lingers, the next one is refused 503; once the drain gives up, it is served.
        await using var server = await StartAsync(new WebSocketServerOptions { MaxConnections = 1 });
        using var silent = await ConnectAsync(server);
        await silent.SendAsync("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"u8.ToArray(), SocketFlags.None, Timeout);
        Assert.StartsWith("HTTP/1.1 404 ", await ReadToEndAsync(silent), StringComparison.Ordinal);

        bool refusedWhileItLingered = false;
        WebSocketConnection? next = null;
        while (next is null)
        {
            try
            {
                next = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo"), cancellationToken: Timeout);
            }
            catch (WebSocketHandshakeException ex) when (ex.ResponseText?.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal) == true)
            {
                refusedWhileItLingered = true;
                await Task.Delay(50, Timeout);
            }
        }
        await using (next)
        {
            await next.SendTextAsync("served", Timeout);
            Assert.Equal("served", (await next.ReceiveAsync(Timeout)).GetText());
        }
        Assert.True(refusedWhileItLingered, "the silent client's place was free at once: it did not linger");
    }

    private static async Task<WebSocketServer> StartAsync(WebSocketServerOptions options)
    {
        return await TestServer.StartEchoAsync(options with
        {
            HttpFallback = (request, _) => ValueTask.FromResult(HttpFallbackResponse.Text(200, $"{request.Body.Length} bytes\n")),
            MaxHttpBodyBytes = 64 * 1024,
        });
    }

    private static async Task<Socket> ConnectAsync(WebSocketServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), Timeout);
        return socket;
    }

    /// <summary>Everything the server sent until its FIN; a reset before the end fails the test with what came.</summary>
    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, Timeout)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return Encoding.ASCII.GetString(all.ToArray());
    }
}
