using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Diagnostics;
using Ws101.Tests.Server;

namespace Ws101.Tests.Connection;

/// <summary>
/// A close started on another thread (the server's stop, a topic's slow-subscriber close, the application's own) while
/// the connection's receive loop is between two receives, busy with the last message: the close reads up to the peer's
/// close itself when no receive is running, and the loop's next receive must then get the close, not an error for a
/// receive in progress that the loop never started.
/// </summary>
public class CloseWhileReceivingTests
{
    private const int Rounds = 150;

    [Fact]
    public async Task a_close_from_another_thread_while_the_receive_loop_handles_a_message_leaves_its_next_receive_the_close()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var runs = Channel.CreateUnbounded<LoopRun>();
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/loop", async (ws, _) =>
        {
            var run = new LoopRun(ws);
            runs.Writer.TryWrite(run);
            try
            {
                while (!(await ws.ReceiveAsync(CancellationToken.None)).IsClose)
                {
                    if (Interlocked.Increment(ref run.Received) == 2)
                    {
                        run.Busy.TrySetResult();
                    }
                    // The handling of a message that awaits something (a database, a queue): the loop is between receives.
                    await Task.Yield();
                }
                run.Done.TrySetResult(null);
            }
            catch (Exception ex)
            {
                run.Done.TrySetResult(ex);
            }
        });
        await server.StartAsync(ct);

        var failures = new List<string>();
        for (int round = 0; round < Rounds; round++)
        {
            await using var client = await WebSocketClient.ConnectAsync(server.Url("/loop"), cancellationToken: ct);
            var talking = TalkUntilClosedAsync(client, ct);
            var run = await runs.Reader.ReadAsync(ct);
            await run.Busy.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);

            await run.Connection.CloseAsync(CloseCode.GoingAway, "", ct);

            if (await run.Done.Task.WaitAsync(TimeSpan.FromSeconds(20), ct) is { } error)
            {
                failures.Add($"round {round}: {error}");
            }
            await talking;
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds} receive loops failed:\n{string.Join('\n', failures.Take(5))}");
    }

    [Fact]
    public async Task a_close_from_another_thread_while_a_message_handler_is_busy_ends_it_with_the_close_not_as_a_handler_failure()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var log = new ConcurrentQueue<string>();
        var handler = new BusyHandler();
        await using var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            LoggerFactory = new ListLoggerFactory(log),
        });
        server.Map("/busy", handler);
        await server.StartAsync(ct);

        var failures = new List<string>();
        for (int round = 0; round < Rounds; round++)
        {
            await using var client = await WebSocketClient.ConnectAsync(server.Url("/busy"), cancellationToken: ct);
            var talking = TalkUntilClosedAsync(client, ct);
            var (connection, busy, closed) = await handler.Opened.Reader.ReadAsync(ct);
            await busy.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);

            await connection.CloseAsync(CloseCode.GoingAway, "", ct);

            if (await closed.Task.WaitAsync(TimeSpan.FromSeconds(20), ct) is not CloseCode.GoingAway and var status)
            {
                failures.Add($"round {round}: ended with {status}");
            }
            await talking;
        }
        var failed = log.Where(line => line.Contains("failed", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0 && failed.Count == 0,
            $"{failures.Count} of {Rounds} connections ended other than by the close ({failures.FirstOrDefault()}), {failed.Count} reported as handler failures: {failed.FirstOrDefault()}");
    }

    /// <summary>The peer: sends until its connection is closed, and reads (answering the close) until then.</summary>
    private static async Task TalkUntilClosedAsync(WebSocketConnection client, CancellationToken ct)
    {
        var sending = Task.Run(async () =>
        {
            try
            {
                while (client.State == Ws101.Protocol.ConnectionState.Open)
                {
                    await client.SendTextAsync("m", ct);
                }
            }
            catch (WebSocketClosedException)
            {
            }
        }, ct);
        while (!(await client.ReceiveAsync(ct)).IsClose)
        {
        }
        await sending;
    }

    // The same on the client's side, deterministically: the peer answers the close only once the second receive is waiting;
    // on .NET's sockets and on the event loop (WebSocketClientOptions.UseEventLoop).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_receive_called_while_the_close_reads_up_to_the_peers_close_waits_and_returns_the_close(bool eventLoop)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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

    private sealed class LoopRun(WebSocketConnection connection)
    {
        public WebSocketConnection Connection { get; } = connection;
        public int Received;
        public TaskCompletionSource Busy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Awaits something with each message, so that the pump is in the handler, not in a receive, when the close comes.</summary>
    private sealed class BusyHandler : WebSocketMessageHandler
    {
        private readonly ConcurrentDictionary<WebSocketConnection, Run> _runs = new();

        /// <summary>Each connection as it opens, what completes once it has had two messages, and what completes with its close status.</summary>
        public Channel<(WebSocketConnection, TaskCompletionSource, TaskCompletionSource<CloseCode?>)> Opened { get; } =
            Channel.CreateUnbounded<(WebSocketConnection, TaskCompletionSource, TaskCompletionSource<CloseCode?>)>();

        public override ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            var run = _runs[connection] = new Run();
            Opened.Writer.TryWrite((connection, run.Busy, run.Closed));
            return ValueTask.CompletedTask;
        }

        public override async ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken)
        {
            var run = _runs[connection];
            if (Interlocked.Increment(ref run.Received) == 2)
            {
                run.Busy.TrySetResult();
            }
            await Task.Yield();
        }

        public override void OnClosed(WebSocketConnection connection)
        {
            if (_runs.TryRemove(connection, out var run))
            {
                run.Closed.TrySetResult(connection.CloseStatus);
            }
        }

        private sealed class Run
        {
            public int Received;
            public TaskCompletionSource Busy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public TaskCompletionSource<CloseCode?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

}
