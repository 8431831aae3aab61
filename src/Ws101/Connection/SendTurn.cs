namespace Ws101;

/// <summary>
/// Whose turn it is to write: one sender at a time frames its message and writes it out, so that frames never
/// interleave on the wire. A flag and, only while senders wait, a queue of them: an idle connection pays a bool and a
/// null reference, where a <see cref="SemaphoreSlim"/> would cost about 80 bytes per connection.
/// </summary>
/// <remarks>Not a lock of its own: every call is made under the connection's one lock.</remarks>
internal struct SendTurn
{
    private bool _taken;
    private LinkedList<TaskCompletionSource>? _waiters;

    /// <summary>True while some sender holds the turn.</summary>
    public readonly bool IsTaken => _taken;

    /// <summary>Takes the turn if nobody holds it.</summary>
    public bool TryTake()
    {
        if (_taken)
        {
            return false;
        }
        _taken = true;
        return true;
    }

    /// <summary>Queues a waiter, completed when the turn is handed to it.</summary>
    public TaskCompletionSource Wait()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (_waiters ??= new LinkedList<TaskCompletionSource>()).AddLast(waiter);
        return waiter;
    }

    /// <summary>Takes a waiter out of the queue (its wait was cancelled); false when the turn was already handed to it.</summary>
    public readonly bool Withdraw(TaskCompletionSource waiter) => _waiters?.Remove(waiter) == true;

    /// <summary>
    /// Ends the current turn: hands it straight to the first waiter (the flag stays set, so no newcomer slips in
    /// between), or frees it. The waiter resumes on another thread, after the lock is released.
    /// </summary>
    public void Pass()
    {
        var next = _waiters?.First;
        if (next is null)
        {
            _taken = false;
            return;
        }
        _waiters!.RemoveFirst();
        next.Value.TrySetResult();
    }
}
