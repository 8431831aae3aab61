using System.Threading.Tasks.Sources;

namespace Ws101.Transport.Linux;

/// <summary>
/// An <see cref="EpollSocketTransport"/>'s wait for its socket to take more bytes: made the first time a send has to wait,
/// and reused after. Most connections never need one (the kernel takes what an idle or a lightly loaded connection
/// sends at once), so an idle connection does not carry its 80 bytes.
/// </summary>
internal sealed class EpollSendWait : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<int> _source;

    /// <summary>Continuations run where the wait completes: on the loop thread, with no hand-off.</summary>
    public EpollSendWait() => _source.RunContinuationsAsynchronously = false;

    /// <summary>What is left to send once the socket is writable again.</summary>
    public ReadOnlyMemory<byte> Data { get; set; }

    /// <summary>The waiting send's cancellation, disposed when the wait ends.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    public short Version => _source.Version;

    /// <summary>Starts a wait for <paramref name="data"/>.</summary>
    public void Reset(ReadOnlyMemory<byte> data)
    {
        _source.Reset();
        Data = data;
    }

    /// <summary>Ends the wait: every byte was sent (<paramref name="error"/> null) or the send failed.</summary>
    public void Complete(Exception? error)
    {
        // Forgotten once disposed, like the read wait's (EpollSocketTransport.ReleaseReadCancel).
        Cancellation.Dispose();
        Cancellation = default;
        Data = default;
        if (error is null)
        {
            _source.SetResult(0);
        }
        else
        {
            _source.SetException(error);
        }
    }

    /// <summary>True once the waiting send's token is cancelled (false without one).</summary>
    public bool IsCancellationRequested => Cancellation.Token.IsCancellationRequested;

    /// <summary>Ends the wait as cancelled, from the cancellation's own callback (whose registration is not disposed from inside it).</summary>
    public void Cancel(OperationCanceledException canceled)
    {
        // Forgotten, not disposed: see EpollReceiveWait.Cancel.
        Cancellation = default;
        Data = default;
        _source.SetException(canceled);
    }

    /// <summary>The send took its announced wait back before anyone ended it (closed, an edge came, or cancelled): the wait ends unused.</summary>
    public void Withdraw()
    {
        Cancellation.Dispose();
        Cancellation = default;
        Data = default;
    }

    void IValueTaskSource.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
