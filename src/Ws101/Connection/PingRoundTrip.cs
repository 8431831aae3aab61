namespace Ws101;

/// <summary>
/// The application's ping waiting for its pong (one at a time: a newer ping supersedes it), timed from when it was sent.
/// A field of the connection; its calls are atomic, so it needs no lock.
/// </summary>
internal struct PingRoundTrip
{
    private TaskCompletionSource<TimeSpan>? _waiting;
    private long _started;

    /// <summary>Starts waiting for a pong; cancels the ping waited for until now.</summary>
    public Task<TimeSpan> Start()
    {
        var pong = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiting, pong)?.TrySetCanceled(CancellationToken.None);
        Interlocked.Exchange(ref _started, System.Diagnostics.Stopwatch.GetTimestamp());
        return pong.Task;
    }

    /// <summary>A pong arrived: the ping waited for gets its round-trip time.</summary>
    public void Answered()
    {
        if (Interlocked.Exchange(ref _waiting, null) is { } pong)
        {
            pong.TrySetResult(System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _started)));
        }
    }

    /// <summary>No pong will come (the connection ended).</summary>
    public void Fail(Exception error) => Interlocked.Exchange(ref _waiting, null)?.TrySetException(error);
}
