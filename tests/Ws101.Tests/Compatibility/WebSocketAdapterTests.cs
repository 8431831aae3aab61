using System.Net.WebSockets;
using System.Text;
using Ws101.Client;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Compatibility;

public class WebSocketAdapterTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    /// <summary>An echo loop as written for System.Net.WebSockets, with a deliberately small buffer.</summary>
    private static async Task ClassicEchoLoop(WebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[7];
        while (true)
        {
            var result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, ct);
                return;
            }
            await ws.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
        }
    }

    /// <summary>Sends one message and reads the whole reply, as System.Net.WebSockets code does.</summary>
    private static async Task<(WebSocketMessageType Type, byte[] Data)> RoundTrip(WebSocket ws, byte[] data, WebSocketMessageType type, CancellationToken ct)
    {
        await ws.SendAsync(data, type, true, ct);
        var all = new MemoryStream();
        var buffer = new byte[1000];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(), ct);
            all.Write(buffer, 0, r.Count);
            if (r.EndOfMessage)
            {
                return (r.MessageType, all.ToArray());
            }
        }
    }

    [Fact]
    public async Task a_server_handler_written_for_system_net_websockets_serves_dotnets_own_client_websocket()
    {
        var options = new WebSocketServerOptions { EndPoints = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)] };
        await using var server = new WebSocketServer(options);
        server.Map("/legacy", (connection, ct) => ClassicEchoLoop(new WebSocketAdapter(connection), ct));
        await server.StartAsync(TestContext.Current.CancellationToken);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(server.Url("/legacy"), Timeout);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("héllo wörld ", 20)));
        var reply = await RoundTrip(client, text, WebSocketMessageType.Text, Timeout);
        Assert.Equal(WebSocketMessageType.Text, reply.Type);
        Assert.Equal(text, reply.Data);
        var binary = new byte[70_000];
        Random.Shared.NextBytes(binary);
        reply = await RoundTrip(client, binary, WebSocketMessageType.Binary, Timeout);
        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal(binary, reply.Data);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Timeout);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task a_ws101_client_connection_used_as_a_websocket_round_trips_and_closes()
    {
        await using var server = await TestServer.StartEchoAsync();
        var connection = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        using WebSocket ws = new WebSocketAdapter(connection);
        Assert.Equal(WebSocketState.Open, ws.State);
        var payload = new byte[5000];
        Random.Shared.NextBytes(payload);
        var reply = await RoundTrip(ws, payload, WebSocketMessageType.Binary, Timeout);
        Assert.Equal(payload, reply.Data);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Timeout);
        Assert.Equal(WebSocketState.Closed, ws.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task close_output_sends_the_close_and_the_peers_close_arrives_through_receive()
    {
        await using var server = await TestServer.StartEchoAsync();
        var connection = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: Timeout);
        using WebSocket ws = new WebSocketAdapter(connection);
        await ws.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "leaving", Timeout);
        Assert.Equal(WebSocketState.CloseSent, ws.State);
        var r = await ws.ReceiveAsync(new ArraySegment<byte>(new byte[10]), Timeout);
        Assert.Equal(WebSocketMessageType.Close, r.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, r.CloseStatus);
        Assert.Equal(WebSocketState.Closed, ws.State);
    }
}
