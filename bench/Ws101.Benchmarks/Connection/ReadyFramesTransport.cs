using System.Net;
using Ws101.Transport;

namespace Ws101.Benchmarks.Connection;

/// <summary>
/// A transport with no kernel under it, shaped like the event loop's: each <see cref="Arrive"/> is one readiness edge with
/// one frame readable behind it, <see cref="TryReceiveNow"/> is exact (-1 once the frame is taken), a wait for readiness is
/// a stored continuation the next edge calls, and every send is taken whole at once. What a message costs through it is
/// the managed path alone: the pump, the receive, parsing and unmasking, the handler, framing and the send's bookkeeping.
/// Also compiled into Ws101.Tests (Connection/MessagePumpTurnTests), which checks the pump's turns against it.
/// </summary>
internal sealed class ReadyFramesTransport : DuplexTransport
{
    private readonly byte[] _frame;
    private int _taken;
    private Action<object?>? _continuation;
    private object? _state;

    /// <summary>Serves <paramref name="frame"/> (one whole frame, as a client sends it) at every edge.</summary>
    public ReadyFramesTransport(byte[] frame)
    {
        _frame = frame;
        _taken = frame.Length;
    }

    /// <summary>Bytes the connection has sent.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Calls of <see cref="TryReceiveNow"/>, whether they found bytes or not.</summary>
    public int ReadsNow { get; private set; }

    /// <summary>True while the connection waits for readiness (<see cref="WatchReadable"/> kept its continuation).</summary>
    public bool IsWatched => _continuation is not null;

    /// <summary>The next frame arrives and its edge comes: the continuation of the wait for readiness runs, here.</summary>
    public void Arrive()
    {
        _taken = 0;
        var continuation = _continuation ?? throw new InvalidOperationException("The connection is not waiting for readiness.");
        _continuation = null;
        continuation(_state);
    }

    public override EndPoint? RemoteEndPoint => null;

    public override EndPoint? LocalEndPoint => null;

    public override bool ReceivesNowExactly => true;

    public override bool SendsVectored => true;

    public override bool NothingToReadNow => _taken == _frame.Length;

    public override int TryReceiveNow(Span<byte> buffer)
    {
        ReadsNow++;
        return Take(buffer);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        // The rest of a frame larger than the connection's first read: it has all arrived.
        int n = Take(buffer.Span);
        return n >= 0 ? new ValueTask<int>(n) : ValueTask.FromException<int>(new InvalidOperationException("The benchmark's transport never waits in a receive."));
    }

    private int Take(Span<byte> buffer)
    {
        if (_taken == _frame.Length)
        {
            return -1;
        }
        int n = Math.Min(buffer.Length, _frame.Length - _taken);
        _frame.AsSpan(_taken, n).CopyTo(buffer);
        _taken += n;
        return n;
    }

    public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) =>
        ValueTask.FromException<int>(new InvalidOperationException("The benchmark's transport is read by a message pump, which waits with WatchReadable."));

    public override bool WatchReadable(Action<object?> continuation, object state)
    {
        if (_taken < _frame.Length)
        {
            return false;
        }
        _continuation = continuation;
        _state = state;
        return true;
    }

    public override int TrySendNow(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        BytesSent += first.Length + second.Length;
        return first.Length + second.Length;
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        BytesSent += data.Length;
        return ValueTask.CompletedTask;
    }

    public override void ShutdownSend()
    {
    }

    public override void Abort()
    {
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
