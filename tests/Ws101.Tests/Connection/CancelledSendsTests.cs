using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Ws101.Client;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Connection;

/// <summary>
/// Sends from several threads, each under a token cancelled at a random moment (waiting for the turn, framed, or halfway
/// through a write the kernel could not take at once), while another thread aborts, closes or disposes the connection:
/// a send ends sent, cancelled or closed (the documented exceptions, nothing else), and once the connection is disposed it
/// holds no pooled buffer, whichever path each send took.
/// </summary>
public class CancelledSendsTests
{
    private const int Rounds = 40;
    private const int Senders = 4;

    [Fact]
    public async Task sends_cancelled_at_random_while_the_connection_ends_throw_only_cancelled_or_closed_and_leave_no_buffer_held()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var accepted = Channel.CreateUnbounded<(WebSocketConnection, TaskCompletionSource)>();
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/send", async (ws, _) =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            accepted.Writer.TryWrite((ws, done));
            await done.Task;
        });
        await server.StartAsync(ct);

        var unexpected = new ConcurrentQueue<Exception>();
        int cancelled = 0, closed = 0;
        var payload = new byte[256 * 1024];
        for (int round = 0; round < Rounds; round++)
        {
            await using var client = await WebSocketClient.ConnectAsync(server.Url("/send"), cancellationToken: ct);
            var (ws, done) = await accepted.Reader.ReadAsync(ct);
            // The client reads (and so answers the close) in small steps, so that large sends often have to wait.
            var reading = Task.Run(async () =>
            {
                try
                {
                    while (!(await client.ReceiveAsync(ct)).IsClose)
                    {
                    }
                }
                catch (WebSocketClosedException)
                {
                }
            }, ct);
            var seed = round;
            // The end comes once some send has ended (sent, cancelled or closed), so that the two race.
            var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var senders = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
            {
                var random = new Random(seed * 10 + s);
                for (int i = 0; i < 20; i++)
                {
                    using var token = new CancellationTokenSource();
                    token.CancelAfter(random.Next(3));
                    try
                    {
                        await ws.SendBinaryAsync(payload.AsMemory(0, random.Next(1, payload.Length)), token.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref cancelled);
                    }
                    catch (WebSocketClosedException ex)
                    {
                        // A write cancelled halfway may have cut a frame, so it ends the connection: closed, cancelled inside.
                        Interlocked.Increment(ref ex.InnerException is OperationCanceledException ? ref cancelled : ref closed);
                        return;
                    }
                    catch (Exception ex)
                    {
                        unexpected.Enqueue(ex);
                        return;
                    }
                    finally
                    {
                        firstEnded.TrySetResult();
                    }
                }
            }, ct)).ToList();
            var ender = Task.Run(async () =>
            {
                await firstEnded.Task;
                switch (seed % 3)
                {
                    case 0:
                        ws.Abort();
                        break;
                    case 1:
                        await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
                        break;
                    default:
                        await ws.DisposeAsync();
                        break;
                }
            }, ct);
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(20), ct);
            await ender.WaitAsync(TimeSpan.FromSeconds(20), ct);
            await ws.DisposeAsync();
            Assert.Equal(0, ws.HeldBufferBytes);
            done.TrySetResult();
            await reading.WaitAsync(TimeSpan.FromSeconds(20), ct);
        }
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(3)));
        Assert.True(cancelled > 0 && closed > 0, $"nothing was raced: {cancelled} sends cancelled, {closed} found the connection closed");
    }
}
