using System.Net;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101.Tests.Connection;

/// <summary>
/// The heartbeat shared by client connections gives each registered connection the time, one tick at a time: a tick that
/// comes while the last one is still walking the connections (its timer queues one every period, whether or not the last
/// returned) is turned away, so no connection is given the time by two ticks at once.
/// </summary>
public class ConnectionHeartbeatTests
{
    // Every tick finds each connection silent for longer than this, and pings it unless a ping is already unanswered.
    private static readonly WebSocketConnectionOptions PingEveryMillisecond = WebSocketConnectionOptions.Default with { KeepAliveInterval = TimeSpan.FromMilliseconds(1) };

    [Fact]
    public async Task while_a_tick_is_stuck_in_one_connections_ping_no_other_tick_pings_the_other_connection()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var letGo = new ManualResetEventSlim();
        var first = new StuckPeer(letGo);
        var second = new StuckPeer(letGo);
        using var heartbeat = new ConnectionHeartbeat(TimeSpan.FromMilliseconds(1));
        heartbeat.Register(Open(first));
        heartbeat.Register(Open(second));
        try
        {
            // A tick pinged one of them, and its send holds that tick's thread: the heartbeat's work is slow.
            await WaitUntilAsync(() => first.Sends + second.Sends >= 1, ct);

            // Fifty periods pass meanwhile, and the heartbeat's timer queues a tick at each: every one is turned away. A tick
            // let in would find the first connection's ping unanswered (nothing to do) and ping the other.
            await PeriodsAsync(50, ct);

            Assert.Equal(1, first.Sends + second.Sends);
        }
        finally
        {
            letGo.Set();
        }
        // Let go, the stuck tick goes on to the other connection.
        await WaitUntilAsync(() => first.Sends + second.Sends == 2, ct);
    }

    private static WebSocketConnection Open(StuckPeer transport) =>
        new(transport, WebSocketRole.Client, PingEveryMillisecond, new WebSocketHandshakeInfo("/", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);

    /// <summary>Waits while <paramref name="count"/> periods of a 1 ms timer, the heartbeat's kind, go by on this machine.</summary>
    private static async Task PeriodsAsync(int count, CancellationToken ct)
    {
        int fired = 0;
        var passed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = new Timer(_ =>
        {
            if (Interlocked.Increment(ref fired) == count)
            {
                passed.TrySetResult();
            }
        }, null, 1, 1);
        await passed.Task.WaitAsync(ct);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(5, ct);
        }
    }

    /// <summary>A peer that reads nothing: a send holds the thread that makes it until the test lets go, as a slow write would.</summary>
    private sealed class StuckPeer(ManualResetEventSlim letGo) : DuplexTransport
    {
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        public override EndPoint? RemoteEndPoint => null;

        public override EndPoint? LocalEndPoint => null;

        public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sends);
            // Bounded: a test that fails does not hold a pool thread for ever.
            letGo.Wait(TimeSpan.FromSeconds(30), CancellationToken.None);
            return ValueTask.CompletedTask;
        }

        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public override void ShutdownSend()
        {
        }

        public override void Abort()
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
