using System.Net;
using System.Net.Sockets;

namespace Ws101.Transport;

/// <summary>A plain TCP socket. Socket's own ValueTask operations reuse their state, so steady-state I/O allocates nothing.</summary>
internal sealed class SocketTransport(Socket socket) : DuplexTransport
{
    private int _disposed;

    public Socket Socket { get; } = socket;

    public override EndPoint? RemoteEndPoint => Socket.RemoteEndPoint;

    public override EndPoint? LocalEndPoint => Socket.LocalEndPoint;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    // A wait that woke with nothing to read (CanReadNow) is waited again, so that the reader takes its buffer only when
    // bytes are there. Bounded: after this many empty wakes in a row the wait ends anyway (the read that follows is
    // correct; it only holds its buffer while it waits).
    private const int MaxEmptyWakes = 64;

    public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
    {
        // A zero-byte receive completes when data arrives (or the peer closes) without taking any of it. One that
        // completes at once has looked; one that went asynchronous may have woken on a stale edge (CanReadNow).
        var waiting = Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
        return waiting.IsCompleted ? waiting : WaitPastEmptyWakesAsync(waiting, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitPastEmptyWakesAsync(ValueTask<int> waiting, CancellationToken cancellationToken)
    {
        for (int wakes = 0; ; wakes++)
        {
            await waiting.ConfigureAwait(false);
            if (wakes == MaxEmptyWakes || CanReadNow)
            {
                return 0;
            }
            waiting = Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
        }
    }

    /// <summary>
    /// Whether a read would now complete at once: bytes wait, the peer closed, or the connection failed.
    /// </summary>
    /// <remarks>
    /// .NET's Socket on Linux completes a zero-byte receive that went asynchronous on the readiness event alone, without a
    /// receive (dotnet/corefx#28098, to save the system call). Its epoll registration is edge-triggered, so an edge for
    /// bytes the previous receive already took (it read them at once, before the event was handled) wakes the next wait
    /// with nothing to read. A receive posted with a buffer then holds that buffer for as long as the connection stays
    /// idle. poll(2) says whether data (or the peer's FIN, or an error) is really there.
    /// </remarks>
    public bool CanReadNow
    {
        get
        {
            try
            {
                return Socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Closed or failed: the read that follows reports it.
                return true;
            }
        }
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Socket.SendAsync on a connected stream socket sends everything before it completes.
        var pending = Socket.SendAsync(data, SocketFlags.None, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            _ = pending.Result;
            return ValueTask.CompletedTask;
        }
        return AwaitSend(pending);

        static async ValueTask AwaitSend(ValueTask<int> pending) => await pending.ConfigureAwait(false);
    }

    public override void ShutdownSend()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer is already gone: nothing to tell it.
        }
    }

    public override void Abort()
    {
        try
        {
            // Linger 0 turns close into a reset, so a peer that stopped reading cannot hold the socket open.
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        Socket.Dispose();
    }

    /// <remarks>
    /// Safe beside the owner's own calls: the socket's handle is reference-counted, so once the owner has closed it these
    /// calls fail (ObjectDisposedException) instead of reaching a descriptor that another socket has taken since.
    /// Non-blocking, so that a full send buffer costs the answer rather than a wait on the accepting thread. What the peer
    /// already sent is read before the close, so that the close is a FIN and not a reset that could discard the answer.
    /// </remarks>
    public override void AbortWithAnswer(ReadOnlySpan<byte> answer)
    {
        try
        {
            Socket.Blocking = false;
            if (Socket.Send(answer, SocketFlags.None, out SocketError error) == answer.Length && error == SocketError.Success)
            {
                Socket.Shutdown(SocketShutdown.Send);
                Span<byte> sink = stackalloc byte[1024];
                for (int i = 0; i < 16 && Socket.Receive(sink, SocketFlags.None, out error) > 0 && error == SocketError.Success; i++)
                {
                }
                Socket.Dispose();
                return;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        Abort();
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Socket.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
