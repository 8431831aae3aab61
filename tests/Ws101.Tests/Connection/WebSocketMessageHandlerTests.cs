using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Text;
using Ws101.Client;
using Ws101.Tests.Compression;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Connection;

/// <summary>
/// A message handler (callbacks: open, each message, closed) behaves the same whichever way it is driven: by the event
/// loop's message pump (the Auto transport on Linux), or as a receive loop (the Sockets transport, TLS, a client). On the
/// event loop an idle connection is plain state: the transport's wait holds the pump itself, no suspended method.
/// </summary>
public class WebSocketMessageHandlerTests
{
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task open_reads_the_request_headers_then_messages_arrive_in_order_and_closed_is_called_once_with_the_peers_close(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder();
        await using var server = await StartAsync(handler, transport);
        await using (var ws = await WebSocketClient.ConnectAsync(server.Url("/h"), new WebSocketClientOptions { Headers = [new("X-Room", "blue")] }, ct))
        {
            for (int i = 0; i < 20; i++)
            {
                await ws.SendTextAsync($"m{i}", ct);
            }
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal($"m{i}", (await ws.ReceiveAsync(ct)).GetText());
            }
            await ws.CloseAsync(CloseCode.NormalClosure, "bye", ct);
        }
        var closed = await handler.Closed.Task.WaitAsync(ct);
        Assert.Equal(CloseCode.NormalClosure, closed.CloseStatus);
        Assert.Equal("bye", closed.CloseReason);
        string[] expected = ["open blue", .. Enumerable.Range(0, 20).Select(i => $"message m{i} (room blue)"), "closed 1000"];
        Assert.Equal(expected, handler.Events);
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task once_open_returned_the_request_head_is_let_go_and_asking_for_it_says_where_to_read_it(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder();
        await using var server = await StartAsync(handler, transport);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/h?x=1"), cancellationToken: ct);
        await ws.SendTextAsync("one", ct);
        await ws.ReceiveAsync(ct);
        var connection = Assert.Single(server.Connections);

        var error = Assert.Throws<InvalidOperationException>(() => connection.Handshake.RequestHeaders);
        Assert.Contains("OnOpenAsync", error.Message);
        Assert.Throws<InvalidOperationException>(() => connection.Handshake.Request);
        Assert.Throws<InvalidOperationException>(() => connection.Handshake.RequestText);
        // What the connection itself is about stays.
        Assert.Equal("/h", connection.Handshake.Path);
        Assert.Equal("x=1", connection.Handshake.Query);
        Assert.Equal("/h?x=1", connection.Handshake.Target);
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task a_frame_split_across_reads_comes_whole_a_ping_is_answered_before_the_next_echo_and_a_dropped_peer_ends_with_1006(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder();
        await using var server = await StartAsync(handler, transport);
        var peer = await RawPeer.ConnectAsync(((IPEndPoint)server.EndPoints[0]).Port, "/h", null, ct);
        byte[] frame = RawPeer.MaskedFrame(0x81, "split"u8);

        await peer.SendBytesAsync(frame.AsMemory(0, 3), ct);
        await WaitUntilAsync(() => server.ConnectionCount == 1, ct);
        var connection = Assert.Single(server.Connections);
        // The first piece is read and kept (an idle connection holds no buffer): the rest is waited for with it.
        await WaitUntilAsync(() => connection.HeldBufferBytes > 0, ct);
        Assert.DoesNotContain(handler.Events, e => e.StartsWith("message", StringComparison.Ordinal));
        await peer.SendBytesAsync(frame.AsMemory(3), ct);
        Assert.Equal("split", Encoding.UTF8.GetString((await peer.ReadFrameAsync(ct))!.Value.Payload));

        // RFC 6455 §5.5.2: the ping is answered with a pong carrying its payload, here before the next message's echo.
        await peer.SendBytesAsync(RawPeer.MaskedFrame(0x89, "p"u8).Concat(RawPeer.MaskedFrame(0x81, "after"u8)).ToArray(), ct);
        var pong = (await peer.ReadFrameAsync(ct))!.Value;
        Assert.Equal(0x8A, pong.First);
        Assert.Equal("p", Encoding.UTF8.GetString(pong.Payload));
        Assert.Equal("after", Encoding.UTF8.GetString((await peer.ReadFrameAsync(ct))!.Value.Payload));

        // The peer goes away without a close frame: RFC 6455 §7.1.5, the close code is then 1006.
        await peer.DisposeAsync();
        var closed = await handler.Closed.Task.WaitAsync(ct);
        Assert.Equal(CloseCode.AbnormalClosure, closed.CloseStatus);
        Assert.Equal(["open ", "message split (room )", "message after (room )", "closed 1006"], handler.Events);
        await WaitUntilAsync(() => server.ConnectionCount == 0, ct);
    }

    [Fact]
    public async Task an_idle_connection_on_the_event_loop_is_waited_on_as_its_pump_and_holds_no_buffer_while_a_receive_loops_handler_is_a_suspended_method()
    {
        Assert.SkipUnless(Ws101.Transport.Linux.EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = Timeout();
        var handler = new Recorder();
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], Transport = ServerTransport.EventLoop });
        server.Map("/h", handler);
        server.Map("/loop", TestServer.Echo);
        await server.StartAsync(ct);

        await using var pumped = await WebSocketClient.ConnectAsync(server.Url("/h"), cancellationToken: ct);
        await using var looped = await WebSocketClient.ConnectAsync(server.Url("/loop"), cancellationToken: ct);
        foreach (var ws in new[] { pumped, looped })
        {
            await ws.SendBinaryAsync(new byte[3000], ct);
            await ws.ReceiveAsync(ct);
        }
        var byPath = server.Connections.ToDictionary(c => c.Handshake.Path);

        // The continuation's state is the connection itself: the route's one pump keeps no object per connection.
        object pumpWait = await IdleWaitContinuationAsync(byPath["/h"], ct);
        Assert.Same(byPath["/h"], pumpWait);
        Assert.NotNull(byPath["/h"].Session.Pump);
        Assert.Equal(0, byPath["/h"].HeldBufferBytes);
        // The pump's watch is the continuation and its state alone: the transport never made the wait object a receive uses.
        Assert.Null(Field(byPath["/h"].Transport, "_receive"));

        // The contrast: a handler that awaits ReceiveAsync is a suspended method for as long as the connection is idle.
        object loopWait = await IdleWaitContinuationAsync(byPath["/loop"], ct);
        Assert.Contains("StateMachineBox", loopWait.GetType().Name);
    }

    [Fact]
    public async Task a_connection_whose_handshake_waited_for_its_request_keeps_neither_that_wait_nor_the_handshake_once_its_pump_idles()
    {
        Assert.SkipUnless(Ws101.Transport.Linux.EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = Timeout();
        var handler = new Recorder();
        await using var server = await StartAsync(handler, ServerTransport.EventLoop);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.EndPoints[0].Port, ct);

        // Nothing sent: the handshake's first read finds nothing, and it waits through the transport's receive wait, whose
        // continuation is the handshake's own method.
        object? transport = null;
        await WaitUntilAsync(() => (transport = LoopTransports(server).FirstOrDefault(t => (int)Field(t, "_readWaiting")! == 1)) is not null, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
        var head = new byte[1024];
        int read = await stream.ReadAsync(head, ct);
        Assert.StartsWith("HTTP/1.1 101", System.Text.Encoding.ASCII.GetString(head, 0, read), StringComparison.Ordinal);

        // The session is listed once the 101 has gone out.
        await WaitUntilAsync(() => server.ConnectionCount == 1, ct);
        var connection = Assert.Single(server.Connections);
        Assert.Same(transport, connection.Transport);
        Assert.Same(connection, await IdleWaitContinuationAsync(connection, ct));
        // Kept, the wait would hold the finished handshake's state machine (and what it references) for the connection's life.
        Assert.Null(Field(transport!, "_receive"));
    }

    /// <summary>The sockets the server's event loops watch now: handshakes in progress and connections.</summary>
    private static List<object> LoopTransports(WebSocketServer server)
    {
        var all = new List<object>();
        foreach (object loop in (Array)Field(Field(server, "_loops")!, "_loops")!)
        {
            object table = Field(loop, "_sockets")!;
            all.AddRange(((System.Collections.IEnumerable)table.GetType().GetMethod("ToList")!.Invoke(table, null)!).Cast<object>());
        }
        return all;
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task a_callback_that_throws_closes_the_connection_with_1011_and_closed_is_still_called(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder { Throw = "boom" };
        await using var server = await StartAsync(handler, transport);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/h"), cancellationToken: ct);
        await ws.SendTextAsync("boom", ct);
        // Sent after the failing one: never given to the handler.
        await ws.SendTextAsync("after", ct);

        var close = await ws.ReceiveAsync(ct);
        Assert.True(close.IsClose);
        Assert.Equal(CloseCode.InternalServerError, close.CloseStatus);
        Assert.Equal(WebSocketMessageHandler.FailedReason, close.CloseReason);
        await handler.Closed.Task.WaitAsync(ct);
        Assert.Equal(["open ", "message boom (room )", "closed 1011"], handler.Events);
        await WaitUntilAsync(() => server.ConnectionCount == 0, ct);
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task a_handler_that_closes_from_its_message_callback_ends_the_connection_without_waiting_for_the_close_timeout(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder { CloseOn = "leave" };
        // A close timeout far beyond the test's: had the close waited on the pump, which waits on the callback, this would hang.
        await using var server = await StartAsync(handler, transport, new WebSocketConnectionOptions { CloseTimeout = TimeSpan.FromMinutes(5) });
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/h"), cancellationToken: ct);
        await ws.SendTextAsync("leave", ct);
        var close = await ws.ReceiveAsync(ct);
        Assert.Equal(CloseCode.PolicyViolation, close.CloseStatus);
        var closed = await handler.Closed.Task.WaitAsync(ct);
        Assert.Equal(CloseCode.PolicyViolation, closed.CloseStatus);
        await WaitUntilAsync(() => server.ConnectionCount == 0, ct);
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task stopping_the_server_closes_idle_handler_connections_with_1001_and_calls_closed_for_each(ServerTransport transport)
    {
        var ct = Timeout();
        var handler = new Recorder();
        var server = await StartAsync(handler, transport, new WebSocketConnectionOptions { CloseTimeout = TimeSpan.FromMinutes(5) });
        var clients = new List<WebSocketConnection>();
        for (int i = 0; i < 5; i++)
        {
            clients.Add(await WebSocketClient.ConnectAsync(server.Url("/h"), cancellationToken: ct));
        }
        await WaitUntilAsync(() => server.ConnectionCount == 5, ct);
        // Each client answers the close as its receive sees it.
        var closes = clients.Select(c => c.ReceiveAsync(ct).AsTask()).ToArray();

        await server.StopAsync(ct).WaitAsync(ct);

        foreach (var close in await Task.WhenAll(closes))
        {
            Assert.Equal(CloseCode.GoingAway, close.CloseStatus);
        }
        await WaitUntilAsync(() => handler.Events.Count(e => e == "closed 1001") == 5, ct);
        Assert.Equal(0, server.ConnectionCount);
        await server.DisposeAsync();
        foreach (var c in clients)
        {
            await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_slow_message_callback_holds_the_next_message_back_until_its_task_completes()
    {
        Assert.SkipUnless(Ws101.Transport.Linux.EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = Timeout();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Recorder { Gate = gate.Task };
        await using var server = await StartAsync(handler, ServerTransport.EventLoop);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/h"), cancellationToken: ct);
        await ws.SendTextAsync("first", ct);
        await WaitUntilAsync(() => handler.Events.Contains("message first (room )"), ct);
        var transport = Assert.Single(server.Connections).Transport;
        int epoch = (int)Field(transport, "_readEpoch")!;

        await ws.SendTextAsync("second", ct);
        // The loop has seen the second message arrive (its read epoch moved), while the first callback still runs.
        await WaitUntilAsync(() => (int)Field(transport, "_readEpoch")! != epoch, ct);
        Assert.DoesNotContain("message second (room )", handler.Events);

        gate.SetResult();
        Assert.Equal("first", (await ws.ReceiveAsync(ct)).GetText());
        Assert.Equal("second", (await ws.ReceiveAsync(ct)).GetText());
        Assert.Equal(["open ", "message first (room )", "done first", "message second (room )", "done second"], handler.Events);
    }

    [Fact]
    public async Task run_async_drives_the_same_handler_on_a_clients_connection()
    {
        var ct = Timeout();
        await using var server = await TestServer.StartEchoAsync();
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        var handler = new Recorder { CloseAfter = 3 };
        var running = handler.RunAsync(ws, ct);
        await ws.SendTextAsync("ping-pong", ct);
        await running.WaitAsync(ct);
        // The echo server returns each message; the handler echoes it back, three times, then closes.
        Assert.Equal(["open ", "message ping-pong (room )", "message ping-pong (room )", "message ping-pong (room )", "closed 1000"], handler.Events);
    }

    private static async Task<WebSocketServer> StartAsync(WebSocketMessageHandler handler, ServerTransport transport, WebSocketConnectionOptions? connection = null)
    {
        var options = new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], Transport = transport };
        if (connection is not null)
        {
            options = options with { Connection = connection };
        }
        var server = new WebSocketServer(options);
        server.Map("/h", handler);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>
    /// The state of the continuation the event-loop transport will call when the idle connection becomes readable: a pump's
    /// watch (the transport keeps the continuation and its state, nothing else) or a receive's wait (its reusable wait object).
    /// </summary>
    private static async Task<object> IdleWaitContinuationAsync(WebSocketConnection connection, CancellationToken ct)
    {
        object transport = connection.Transport;
        object? state = null;
        await WaitUntilAsync(() =>
        {
            // EpollSocketTransport's Receiving (1) and Watching (2).
            state = (int)Field(transport, "_readWaiting")! switch
            {
                1 => Field(Field(Field(transport, "_receive")!, "_source")!, "_continuationState"),
                2 => Field(transport, "_watchState"),
                _ => null,
            };
            return state is not null;
        }, ct);
        return state!;
    }

    private static object? Field(object owner, string name) =>
        (owner.GetType().GetField(name, BindingFlags.Instance | BindingFlags.NonPublic) ?? throw new MissingFieldException(owner.GetType().Name, name)).GetValue(owner);

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(10, ct);
        }
    }

    /// <summary>Echoes every message and records each call; per-connection state (the room) in UserState.</summary>
    private sealed class Recorder : WebSocketMessageHandler
    {
        public ConcurrentQueue<string> Events { get; } = new();
        public TaskCompletionSource<WebSocketConnection> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? Throw { get; init; }
        public string? CloseOn { get; init; }
        public int CloseAfter { get; init; }
        public Task? Gate { get; init; }

        public override ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            connection.UserState = connection.Handshake.RequestHeaders.GetFirst("X-Room") ?? "";
            Events.Enqueue($"open {connection.UserState}");
            return ValueTask.CompletedTask;
        }

        public override async ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken)
        {
            string text = message.GetText();
            Events.Enqueue($"message {text} (room {connection.UserState})");
            if (text == Throw)
            {
                throw new InvalidOperationException("the handler's own bug");
            }
            if (text == CloseOn)
            {
                await connection.CloseAsync(CloseCode.PolicyViolation, "asked to leave", cancellationToken);
                return;
            }
            if (Gate is not null)
            {
                await Gate;
                Events.Enqueue($"done {text}");
            }
            if (CloseAfter > 0 && Events.Count(e => e.StartsWith("message", StringComparison.Ordinal)) >= CloseAfter)
            {
                await connection.CloseAsync(CloseCode.NormalClosure, "", cancellationToken);
                return;
            }
            await connection.SendAsync(message.Data, message.Kind, message.EndOfMessage, cancellationToken);
        }

        public override void OnClosed(WebSocketConnection connection)
        {
            Events.Enqueue($"closed {(int?)connection.CloseStatus}");
            Closed.TrySetResult(connection);
        }
    }
}
