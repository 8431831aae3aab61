namespace Ws101;

public sealed partial class WebSocketConnection
{
    // The send gate: one sender at a time writes frames and flushes them, so that frames never interleave.
    // A flag and a queue that exists only under contention: an idle connection pays one int for it, where a
    // SemaphoreSlim would cost about 80 bytes per connection.
    private int _sendHeld;
    private LinkedList<TaskCompletionSource>? _sendWaiters;

    private bool TryEnterSend() => Interlocked.CompareExchange(ref _sendHeld, 1, 0) == 0;

    private async ValueTask EnterSendAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_out)
        {
            if (TryEnterSend())
            {
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_sendWaiters ??= new LinkedList<TaskCompletionSource>()).AddLast(waiter);
        }
        if (!cancellationToken.CanBeCanceled)
        {
            await waiter.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_out)
            {
                if (_sendWaiters!.Remove(waiter))
                {
                    throw;
                }
            }
            // The gate was handed over just as the wait was cancelled: pass it on, then report the cancellation.
            ExitSend();
            throw;
        }
    }

    private void ExitSend()
    {
        lock (_out)
        {
            var next = _sendWaiters?.First;
            if (next is null)
            {
                Volatile.Write(ref _sendHeld, 0);
                return;
            }
            // Hand the gate straight to the next waiter: the flag stays set, so no newcomer can slip in between.
            _sendWaiters!.RemoveFirst();
            next.Value.TrySetResult();
        }
    }
}
