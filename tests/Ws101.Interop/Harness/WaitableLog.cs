namespace Ws101.Interop.Harness;

/// <summary>
/// A thread-safe, append-only list that can be awaited for an item matching a condition, with a
/// timeout. When the source ends (<see cref="Complete"/>), waits that can no longer succeed fail at once.
/// </summary>
/// <typeparam name="T">The item type (a line of output, a peer event).</typeparam>
public sealed class WaitableLog<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Found)> _waiters = [];
    private string? _endedBecause;

    /// <summary>A copy of the items so far, in arrival order.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>Appends an item and wakes the waits it satisfies.</summary>
    public void Add(T item)
    {
        List<TaskCompletionSource<T>> satisfied = [];
        lock (_gate)
        {
            _items.Add(item);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    satisfied.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (TaskCompletionSource<T> found in satisfied)
        {
            found.TrySetResult(item);
        }
    }

    /// <summary>Marks the source as ended: pending and later waits without a match fail at once.</summary>
    public void Complete(string reason)
    {
        List<TaskCompletionSource<T>> pending;
        lock (_gate)
        {
            _endedBecause ??= reason;
            pending = [.. _waiters.Select(w => w.Found)];
            _waiters.Clear();
        }
        foreach (TaskCompletionSource<T> found in pending)
        {
            found.TrySetException(new InvalidOperationException(reason));
        }
    }

    /// <summary>
    /// Returns the first item (already present or yet to come) that matches, or throws a
    /// <see cref="TimeoutException"/> naming <paramref name="description"/> and the
    /// <paramref name="diagnostics"/> when none comes within <paramref name="timeout"/>.
    /// </summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, string description, TimeSpan timeout, Func<string> diagnostics, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<T> found;
        lock (_gate)
        {
            foreach (T item in _items)
            {
                if (match(item))
                {
                    return item;
                }
            }
            if (_endedBecause is not null)
            {
                throw new InvalidOperationException($"{description} never came: {_endedBecause}.{Environment.NewLine}{diagnostics()}");
            }
            found = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {description}.{Environment.NewLine}{diagnostics()}");
        }
        catch (InvalidOperationException ended)
        {
            throw new InvalidOperationException($"{description} never came: {ended.Message}.{Environment.NewLine}{diagnostics()}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Found == found);
            }
        }
    }
}
