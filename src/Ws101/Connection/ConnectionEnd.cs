using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101;

/// <summary>
/// Whether and how a <see cref="WebSocketConnection"/> ended, and the closing handshake that leads there. The end comes once,
/// whichever way it comes (the closing handshake, the peer dropping the connection, a failed write, a deadline, Abort or
/// DisposeAsync): recorded under the connection's lock (<see cref="Mark"/>), then carried out on the transport outside it
/// (<see cref="Finish"/>); every later call finds it done.
/// </summary>
/// <remarks>A field of the connection, not a lock of its own: every call but <see cref="HasEnded"/>, <see cref="Finish"/>
/// and <see cref="Lingering"/> is made under the connection's one lock.</remarks>
internal struct ConnectionEnd
{
    private bool _ended;
    private CloseCode? _status;
    private string? _reason;
    // While a closing handshake is under way: completed at the end, for whoever waits for the handshake to finish.
    private TaskCompletionSource? _closed;
    // When this side started the closing handshake (Environment.TickCount64), or 0: the keepalive's close deadline.
    private long _closeStarted;
    // After a failure: the drain before the transport closes (ConnectionEnding.Failed), which DisposeAsync awaits.
    private Task? _lingering;

    /// <summary>True once the end has come; nothing more can be sent or received.</summary>
    public bool HasEnded => Volatile.Read(ref _ended);

    /// <summary>The close code this side reports: decided before the end, or recorded by it; null until either.</summary>
    public readonly CloseCode? Status => _status;

    /// <summary>The reason that goes with <see cref="Status"/>.</summary>
    public readonly string? Reason => _reason;

    /// <summary>When this side started the closing handshake (<see cref="Environment.TickCount64"/>), or 0.</summary>
    public readonly long CloseStarted => _closeStarted;

    /// <summary>The drain of a failed connection before its transport closes, or null.</summary>
    public Task? Lingering => Volatile.Read(ref _lingering);

    /// <summary>
    /// Before the end: the close code and reason this side will report however the end comes (1008 for a subscriber closed
    /// as too slow; why this side dropped the connection), unless one was decided already.
    /// </summary>
    public void Decide(CloseCode? status, string? reason)
    {
        if (!_ended)
        {
            _status ??= status;
            _reason ??= reason;
        }
    }

    /// <summary>
    /// Records the end once; false when it had already come. The status is the one decided before, else the close the core
    /// saw, else <paramref name="status"/>, else 1006.
    /// </summary>
    public bool Mark(WebSocketConnectionCore core, CloseCode? status, string? reason)
    {
        if (_ended)
        {
            return false;
        }
        Volatile.Write(ref _ended, true);
        // A status decided before the end (1008 for a subscriber closed as too slow) wins over how it ended.
        _status ??= core.CloseStatus ?? status ?? CloseCode.AbnormalClosure;
        _reason ??= core.CloseReason ?? reason ?? "";
        return true;
    }

    /// <summary>
    /// For a caller that would start the closing handshake: null when it is to run it (the connection is
    /// <paramref name="open"/> and no handshake is under way), which starts it at <paramref name="now"/> and makes any later
    /// caller wait for it; otherwise what to wait for (already complete when no handshake of this side is under way).
    /// </summary>
    public Task? JoinClose(bool open, long now)
    {
        var inProgress = _closed?.Task;
        if (inProgress is null && open)
        {
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _closeStarted = now;
            return null;
        }
        return inProgress ?? Task.CompletedTask;
    }

    /// <summary>This side sends its close at <paramref name="now"/> without waiting here for the peer's.</summary>
    public void StartClose(long now)
    {
        Closing();
        _closeStarted = now;
    }

    /// <summary>A closing handshake is under way: what completes when the connection ends.</summary>
    public Task Closing() => (_closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// Outside the lock, once, after <see cref="Mark"/>: closes or resets <paramref name="transport"/> as
    /// <paramref name="how"/> says, then tells whoever waits for the closing handshake.
    /// </summary>
    public void Finish(ConnectionEnding how, DuplexTransport transport)
    {
        if (how == ConnectionEnding.Aborted)
        {
            transport.Abort();
        }
        else if (how == ConnectionEnding.Failed)
        {
            // The peer may still be sending (the rest of a message over the limit): closing now, with those bytes unread,
            // would reset the connection and take the close frame with it. Drained in the background, within bounds.
            _lingering = LingeringClose.DrainThenDisposeAsync(transport);
        }
        else
        {
            transport.CloseAfterSending();
        }
        _closed?.TrySetResult();
    }
}
