using System.Net;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101.Tests.Connection;

/// <summary>
/// A receive waiting in the middle of a frame holds the connection's pooled receive buffer (the part of the frame it has).
/// Disposed meanwhile, the connection leaves that buffer to the receive, which gives it back as it sees the end. When the
/// receive is cancelled before that end reaches it (a socket's failure comes on another thread, a moment after the close,
/// and System.Net.Sockets reports an operation its close aborted as cancelled when the token is cancelled by then), the
/// buffer still goes back to the pool, not to the garbage collector.
/// </summary>
public class CancelledReceiveTests
{
    [Fact]
    public async Task a_receive_cancelled_after_the_connection_was_disposed_gives_its_buffer_back_to_the_pool()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var transport = new HalfAFrameTransport();
        var connection = new WebSocketConnection(transport, WebSocketRole.Client, WebSocketConnectionOptions.Default,
            new WebSocketHandshakeInfo("/", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);
        using var cancel = new CancellationTokenSource();
        var receive = connection.ReceiveAsync(cancel.Token).AsTask();
        await transport.WaitingForTheRest.WaitAsync(ct);
        Assert.True(connection.HeldBufferBytes > 0, "the receive holds no buffer while it waits for the rest of the frame");

        connection.Abort();
        await connection.DisposeAsync();
        // The close's failure has not reached the receive yet; its cancellation comes first.
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(ct));
        Assert.Equal(0, connection.HeldBufferBytes);
    }

    /// <summary>
    /// A server's binary frame of 5 bytes, of which only the 2-byte header has come; the rest never does. The receive that
    /// waits for it ends only when its token is cancelled: closing the transport does not end it here, as a socket's close
    /// ends a pending receive only a moment later, on another thread.
    /// </summary>
    private sealed class HalfAFrameTransport : DuplexTransport
    {
        private readonly TaskCompletionSource _waitingForTheRest = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _receives;

        public Task WaitingForTheRest => _waitingForTheRest.Task;

        public override EndPoint? RemoteEndPoint => null;

        public override EndPoint? LocalEndPoint => null;

        public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) => new(0);

        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _receives) == 1)
            {
                buffer.Span[0] = 0x82;
                buffer.Span[1] = 0x05;
                return new ValueTask<int>(2);
            }
            _waitingForTheRest.TrySetResult();
            return UntilCancelledAsync(cancellationToken);
        }

        private static async ValueTask<int> UntilCancelledAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override void ShutdownSend()
        {
        }

        public override void Abort()
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
