using System.Net;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Connection;

/// <summary>
/// RFC 6455 §7.1.2 "Start the WebSocket Closing Handshake": CloseAsync sends the close and then reads up to the peer's
/// close itself when no receive is running. A receive loop that was between two messages at that moment (handling
/// one) and receives again must not fail as a second receive: it waits for the closing handshake and gets the close.
/// (`ws101 connect` hit this: its input thread closes while its receive loop prints.)
/// </summary>
public class CloseWhileReceivingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_receive_called_while_the_close_reads_up_to_the_peers_close_waits_and_returns_the_close(bool eventLoop)
    {
        using var cts = new CancellationTokenSource(Bound);
        var replyToClose = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/late-close", async (ws, stopping) =>
        {
            await ws.SendTextAsync("first", stopping);
            // Nothing is read (so the client's close stays unanswered) until the test has the client receive again.
            await replyToClose.Task;
            while (!(await ws.ReceiveAsync(stopping)).IsClose)
            {
            }
        });
        await server.StartAsync(cts.Token);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/late-close"),
            new WebSocketClientOptions { UseEventLoop = eventLoop }, cts.Token);

        Assert.Equal("first", (await ws.ReceiveAsync(cts.Token)).GetText());
        // The receive loop is handling "first" when another thread closes: the close finds no receive and reads itself.
        var closing = ws.CloseAsync(CloseCode.NormalClosure, "done", cts.Token);
        var next = ws.ReceiveAsync(cts.Token).AsTask();
        Assert.False(next.IsCompleted && next.IsFaulted, next.Exception?.InnerException?.Message);
        replyToClose.SetResult();

        var message = await next.WaitAsync(cts.Token);
        await closing.WaitAsync(cts.Token);
        Assert.True(message.IsClose);
        Assert.Equal(CloseCode.NormalClosure, message.CloseStatus);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
        // And every receive after the close returns it again.
        Assert.True((await ws.ReceiveAsync(cts.Token)).IsClose);
    }

    [Fact]
    public async Task a_receive_running_when_the_close_starts_sees_the_close_itself()
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/echo", async (ws, stopping) =>
        {
            while (!(await ws.ReceiveAsync(stopping)).IsClose)
            {
            }
        });
        await server.StartAsync(cts.Token);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo"), cancellationToken: cts.Token);

        var receiving = ws.ReceiveAsync(cts.Token).AsTask();
        await ws.CloseAsync(CloseCode.NormalClosure, "", cts.Token);

        var message = await receiving.WaitAsync(cts.Token);
        Assert.True(message.IsClose);
        Assert.Equal(CloseCode.NormalClosure, message.CloseStatus);
    }
}
