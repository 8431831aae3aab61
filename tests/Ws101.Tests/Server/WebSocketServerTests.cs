using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Server;

public class WebSocketServerTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65536)]
    [InlineData(1024 * 1024)]
    public async Task echoes_binary_messages_of_every_length_class(int size)
    {
        await using var server = await TestServer.StartEchoAsync();
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        await ws.SendBinaryAsync(payload, Timeout);
        var reply = await ws.ReceiveAsync(Timeout);
        Assert.Equal(WebSocketMessageKind.Binary, reply.Kind);
        Assert.True(reply.Data.Span.SequenceEqual(payload));
        await ws.CloseAsync(CloseCode.NormalClosure, "bye", Timeout);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task echoes_text_and_reports_the_servers_close_code_and_reason()
    {
        var options = new WebSocketServerOptions { EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)] };
        await using var server = new WebSocketServer(options);
        server.Map("/bye", async (ws, ct) =>
        {
            var m = await ws.ReceiveAsync(ct);
            await ws.SendTextAsync("got " + m.GetText(), ct);
            await ws.CloseAsync((CloseCode)4001, "done here", ct);
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var client = await WebSocketClient.ConnectAsync(server.Url("/bye"), cancellationToken: Timeout);
        await client.SendTextAsync("héllo", Timeout);
        var reply = await client.ReceiveAsync(Timeout);
        Assert.Equal("got héllo", reply.GetText());
        var close = await client.ReceiveAsync(Timeout);
        Assert.True(close.IsClose);
        Assert.Equal((CloseCode)4001, close.CloseStatus);
        Assert.Equal("done here", close.CloseReason);
    }

    [Theory]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "missing-key")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426, "unsupported-version")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 405, "method-not-get")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "missing-upgrade")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", 426, "plain-http-request")]
    [InlineData("GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 404, "/echo")]
    public async Task answers_a_bad_upgrade_with_its_documented_status_and_stays_up(string request, int status, string bodyMentions)
    {
        await using var server = await TestServer.StartEchoAsync();
        string response = await RawExchangeAsync(server.EndPoints[0].Port, request);
        Assert.StartsWith($"HTTP/1.1 {status} ", response, StringComparison.Ordinal);
        Assert.Contains(bodyMentions, response, StringComparison.Ordinal);
        // The server is still up and serving.
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        await ws.SendTextAsync("still here", Timeout);
        Assert.Equal("still here", (await ws.ReceiveAsync(Timeout)).GetText());
    }

    [Fact]
    public async Task drops_a_client_that_never_finishes_its_request_after_the_handshake_timeout()
    {
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoints[0], Timeout);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: x\r\n"), Timeout);
        var buffer = new byte[100];
        // Dropped: either an orderly end (0 bytes) or a reset, and never a response to the unfinished request.
        int n;
        try
        {
            n = await socket.ReceiveAsync(buffer, Timeout);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            n = 0;
        }
        Assert.Equal(0, n);
    }

    [Fact]
    public async Task a_client_handshake_to_a_missing_path_fails_with_not_found()
    {
        await using var server = await TestServer.StartEchoAsync();
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/missing"), cancellationToken: Timeout));
        Assert.Equal("not-found", ex.Problems[0].Id);
        Assert.Contains("404", ex.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task stop_closes_every_connection_with_1001()
    {
        var server = await TestServer.StartEchoAsync();
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        var receive = ws.ReceiveAsync(Timeout).AsTask();
        await server.StopAsync(Timeout);
        var close = await receive;
        Assert.True(close.IsClose);
        Assert.Equal(CloseCode.GoingAway, close.CloseStatus);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task an_upgrade_check_that_throws_gets_a_500_and_the_server_goes_on_serving()
    {
        int calls = 0;
        var options = new WebSocketServerOptions { EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)] };
        await using var server = new WebSocketServer(options);
        server.Map("/echo", TestServer.Echo, new WebSocketRouteOptions
        {
            OnUpgrade = _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("the session store is down") : UpgradeDecision.Accept(),
        });
        await server.StartAsync(Timeout);
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout));
        Assert.StartsWith("HTTP/1.1 500 ", ex.ResponseText, StringComparison.Ordinal);
        Assert.DoesNotContain("session store", ex.ResponseText, StringComparison.Ordinal);

        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        await ws.SendTextAsync("still here", Timeout);
        Assert.Equal("still here", (await ws.ReceiveAsync(Timeout)).GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "", Timeout);
    }

    internal static async Task<string> RawExchangeAsync(int port, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), Timeout);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), Timeout);
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, Timeout)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(all.ToArray());
    }
}
