using System.Reflection;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>
/// What an idle upgraded connection keeps (issue 16): no buffer, rented or not, once its traffic is over, and no timer or
/// cancellation source or registration of its own (the server's one timer gives every connection its keepalive time).
/// </summary>
public class IdleConnectionTests
{
    [Theory]
    [InlineData(ServerTransport.Auto, false)]
    [InlineData(ServerTransport.Sockets, false)]
    [InlineData(ServerTransport.Auto, true)]
    public async Task after_messages_fragments_and_pings_an_idle_connection_holds_no_buffer_and_no_timer_of_its_own(ServerTransport transport, bool messageHandler)
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Transport = transport },
            messageHandler ? TestServer.EchoHandler.Instance : null);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        // The client's receive loop reads the echoes and the pong.
        var reading = Task.Run(async () =>
        {
            while (!(await ws.ReceiveAsync(ct)).IsClose)
            {
            }
        }, ct);

        // Traffic that makes each buffer: a message (receive and send buffers), a fragmented one (the reassembly buffer),
        // a ping (the control payload and the pending pong).
        await ws.SendBinaryAsync(new byte[20], ct);
        await ws.SendAsync(new byte[3000], WebSocketMessageKind.Binary, endOfMessage: false, ct);
        await ws.SendAsync(new byte[3000], WebSocketMessageKind.Binary, endOfMessage: true, ct);
        await ws.PingAsync("are you there"u8.ToArray(), ct);
        var connection = Assert.Single(server.Connections);

        // Idle: the handler waits for the next message. Waited for, not slept on: the echo of the last message may still be going out.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (connection.HeldBufferBytes != 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"still holding {connection.HeldBufferBytes} bytes of buffers after 10 s idle");
            await Task.Delay(10, ct);
        }
        Assert.Equal(0, connection.HeldBufferBytes);

        // No timer, periodic timer or cancellation source in the connection, its writer, its protocol core or its transport;
        // nor a place on the shared heartbeat (server connections get their time from the server's one timer). Under a
        // message handler nothing waits either, so no registration on a token is live; a receive loop's pending
        // ReceiveAsync holds the one its token needs.
        var writer = (FrameWriter)Field(connection, "_writer")!;
        foreach (var owner in new object[] { connection, writer, writer.Core, connection.Transport })
        {
            foreach (var field in owner.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
            {
                object? value = field.GetValue(owner);
                Assert.False(value is Timer or ITimer or PeriodicTimer or CancellationTokenSource
                    || (messageHandler && value is CancellationTokenRegistration { Token.CanBeCanceled: true }),
                    $"{owner.GetType().Name}.{field.Name} holds a {value?.GetType().Name} while the connection is idle");
            }
        }
        Assert.DoesNotContain(connection, ConnectionHeartbeat.Shared.Connections);

        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        await reading;
    }

    private static object? Field(object owner, string name) =>
        owner.GetType().GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(owner);
}
