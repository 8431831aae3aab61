using Microsoft.Extensions.Logging;

namespace Ws101.PubSub;

/// <summary>
/// A hub's presence: per topic, how many of this node's connections are subscribed by name and with which presence
/// ids; written to an <see cref="IPresenceStore"/> when it changes (coalesced) and again each refresh, so that the
/// other nodes see it and a dead node's part expires. Its state lives under the hub's lock (the hub changes it while
/// it changes the members), so that a join and a leave of one connection can never be counted out of order.
/// </summary>
internal sealed class PresenceTracker : IAsyncDisposable
{
    private readonly object _gate;
    private readonly IPresenceStore? _store;
    private readonly TopicPresenceOptions _options;
    private readonly Guid _node;
    private readonly ILogger _logger;
    // Under _gate.
    private readonly Dictionary<string, Local> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<(ITopicSubscriber Subscriber, string Topic), string> _ids = [];
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _writer = Task.CompletedTask;
    private long _lastFailureLog;

    public PresenceTracker(object gate, IPresenceStore? store, TopicPresenceOptions options, Guid node, ILogger logger)
    {
        _gate = gate;
        _store = store;
        _options = options;
        _node = node;
        _logger = logger;
    }

    /// <summary>True when presence is shared with other nodes.</summary>
    public bool IsShared => _store is not null;

    public void Start()
    {
        if (_store is not null)
        {
            _writer = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Under the hub's lock: <paramref name="subscriber"/> joined <paramref name="topic"/> (an exact name).</summary>
    public void JoinedLocked(ITopicSubscriber subscriber, string topic, string? id)
    {
        if (!_topics.TryGetValue(topic, out var local))
        {
            _topics[topic] = local = new Local();
        }
        local.Connections++;
        if (id is not null)
        {
            _ids[(subscriber, topic)] = id;
            local.Members[id] = local.Members.GetValueOrDefault(id) + 1;
        }
        MarkDirtyLocked(topic);
    }

    /// <summary>Under the hub's lock: <paramref name="subscriber"/> left <paramref name="topic"/>.</summary>
    public void LeftLocked(ITopicSubscriber subscriber, string topic)
    {
        if (!_topics.TryGetValue(topic, out var local))
        {
            return;
        }
        local.Connections--;
        if (_ids.Remove((subscriber, topic), out var id) && local.Members.TryGetValue(id, out int n))
        {
            if (n <= 1)
            {
                local.Members.Remove(id);
            }
            else
            {
                local.Members[id] = n - 1;
            }
        }
        if (local.Connections <= 0)
        {
            _topics.Remove(topic);
        }
        MarkDirtyLocked(topic);
    }

    private void MarkDirtyLocked(string topic)
    {
        if (_store is not null && _dirty.Add(topic) && _dirty.Count == 1 && _wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }
    }

    private NodePresence SnapshotLocked(string topic) =>
        _topics.TryGetValue(topic, out var local)
            ? new NodePresence(_node, local.Connections, new Dictionary<string, int>(local.Members, StringComparer.Ordinal))
            : new NodePresence(_node, 0, new Dictionary<string, int>());

    /// <summary>This node's part, fresh, and with a store every other node's part that has not expired.</summary>
    public async Task<TopicPresence> GetAsync(string topic, CancellationToken cancellationToken)
    {
        NodePresence mine;
        lock (_gate)
        {
            mine = SnapshotLocked(topic);
        }
        var parts = new List<NodePresence>();
        if (mine.Connections > 0)
        {
            parts.Add(mine);
        }
        if (_store is not null)
        {
            foreach (var part in await _store.ReadPresenceAsync(topic, cancellationToken).ConfigureAwait(false))
            {
                // Ours as it is now, not as last written.
                if (part.Node != _node && part.Connections > 0)
                {
                    parts.Add(part);
                }
            }
        }
        var members = parts.SelectMany(p => p.Members.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new TopicPresence(topic, parts.Sum(p => p.Connections), members, parts.Count);
    }

    private async Task WriteLoopAsync()
    {
        var store = _store!;
        var stopping = _stopping.Token;
        var nextRefresh = DateTime.UtcNow + _options.Refresh;
        while (!stopping.IsCancellationRequested)
        {
            var wait = nextRefresh - DateTime.UtcNow;
            try
            {
                if (wait > TimeSpan.Zero && await _wake.WaitAsync(wait, stopping).ConfigureAwait(false) && _options.Coalesce > TimeSpan.Zero)
                {
                    // A change: let the rest of a burst come, then write each changed topic once.
                    await Task.Delay(_options.Coalesce, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            bool refresh = DateTime.UtcNow >= nextRefresh;
            List<NodePresence> parts;
            List<string> topics;
            lock (_gate)
            {
                topics = refresh ? [.. _topics.Keys.Union(_dirty)] : [.. _dirty];
                _dirty.Clear();
                parts = topics.Select(SnapshotLocked).ToList();
            }
            if (refresh)
            {
                nextRefresh = DateTime.UtcNow + _options.Refresh;
            }
            await WriteAsync(store, topics, parts, stopping).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(IPresenceStore store, List<string> topics, List<NodePresence> parts, CancellationToken cancellationToken)
    {
        var writes = new Task[topics.Count];
        for (int i = 0; i < topics.Count; i++)
        {
            writes[i] = store.WritePresenceAsync(topics[i], parts[i], _options.TimeToLive, cancellationToken);
        }
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store is down: the next refresh writes everything again, and parts that could not be removed expire.
            long now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastFailureLog) >= 5000)
            {
                Interlocked.Exchange(ref _lastFailureLog, now);
                TopicsLog.PresenceWriteFailed(_logger, writes.Count(w => !w.IsCompletedSuccessfully), ex.Message);
            }
        }
    }

    /// <summary>Stops writing and removes this node's parts (best effort, for at most 2 s), so that a node that stops cleanly drops out at once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(false);
        if (_store is not null && _writer != Task.CompletedTask)
        {
            List<string> topics;
            lock (_gate)
            {
                topics = [.. _topics.Keys.Union(_dirty)];
            }
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var empty = new NodePresence(_node, 0, new Dictionary<string, int>());
            await WriteAsync(_store, topics, topics.Select(_ => empty).ToList(), limit.Token).ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private int _disposed;

    private sealed class Local
    {
        public int Connections;

        public Dictionary<string, int> Members { get; } = new(StringComparer.Ordinal);
    }
}
