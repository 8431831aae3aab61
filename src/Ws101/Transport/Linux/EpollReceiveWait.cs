using System.Threading.Tasks.Sources;

namespace Ws101.Transport.Linux;

/// <summary>
/// An <see cref="EpollSocketTransport"/>'s wait for bytes to read (<see cref="DuplexTransport.ReceiveAsync"/> or
/// <see cref="DuplexTransport.WaitReadableAsync"/>): made the first time a receive has to wait, and reused after. A
/// connection driven by a message handler never makes one: the pump waits with
/// <see cref="DuplexTransport.WatchReadable"/>, which needs only the continuation and its state, so an idle connection
/// does not carry these 80 bytes.
/// </summary>
internal sealed class EpollReceiveWait : IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _source;

    /// <summary>Continuations run where the wait completes: on the loop thread, with no hand-off.</summary>
    public EpollReceiveWait() => _source.RunContinuationsAsynchronously = false;

    /// <summary>Where the bytes go once the socket is readable; empty for a wait for readiness alone.</summary>
    public Memory<byte> Buffer { get; set; }

    /// <summary>True for a wait for readiness alone (<see cref="DuplexTransport.WaitReadableAsync"/>): the edge is the answer.</summary>
    public bool PeekOnly { get; private set; }

    /// <summary>The waiting receive's cancellation, disposed when the wait ends.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    public short Version => _source.Version;

    /// <summary>Starts a wait that reads into <paramref name="buffer"/>, or only waits for readiness.</summary>
    public void Reset(Memory<byte> buffer, bool peekOnly)
    {
        _source.Reset();
        Buffer = buffer;
        PeekOnly = peekOnly;
    }

    /// <summary>Ends the wait with the bytes read (0 for the peer's end, or for readiness alone).</summary>
    public void Complete(int received)
    {
        Forget();
        _source.SetResult(received);
    }

    /// <summary>Ends the wait with the failure.</summary>
    public void Fail(Exception error)
    {
        Forget();
        _source.SetException(error);
    }

    /// <summary>True once the waiting receive's token is cancelled (false without one).</summary>
    public bool IsCancellationRequested => Cancellation.Token.IsCancellationRequested;

    /// <summary>Ends the wait as cancelled, from the cancellation's own callback (whose registration is not disposed from inside it).</summary>
    public void Cancel(OperationCanceledException canceled)
    {
        // Forgotten, not disposed: disposing a registration whose callback runs waits for that callback, and this one may run
        // the receive's continuation for a while (continuations run where the wait completes).
        Cancellation = default;
        Buffer = default;
        _source.SetException(canceled);
    }

    /// <summary>The receive took its announced wait back before anyone ended it (closed, an edge came, or cancelled): the wait ends unused.</summary>
    public void Withdraw() => Forget();

    /// <summary>
    /// Ends the registration and forgets it with the buffer: a registration kept after its wait would be disposed again at
    /// every later completion (a stale unregister, ~1 % of a 20 B echo's CPU) and would keep pointing into the token's callbacks.
    /// </summary>
    private void Forget()
    {
        Cancellation.Dispose();
        Cancellation = default;
        Buffer = default;
    }

    /// <summary>
    /// The result, and the wait forgotten with it: the source keeps its continuation's state (the awaiting method's box) until
    /// reset, and a connection whose handshake waited for its request would otherwise keep that handshake's finished state
    /// machine (360 bytes and what it references) for as long as it lives.
    /// </summary>
    int IValueTaskSource<int>.GetResult(short token)
    {
        try
        {
            return _source.GetResult(token);
        }
        finally
        {
            _source.Reset();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
