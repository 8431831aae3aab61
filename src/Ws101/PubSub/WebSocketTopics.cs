using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ws101.Diagnostics;

namespace Ws101.PubSub;

/// <summary>
/// Topics: connections subscribe to names, and a message published to a name is framed once and the same bytes
/// are queued to every subscriber. A subscriber's queue is bounded in bytes (<see cref="TopicOptions.MaxQueuedBytes"/>);
/// one that falls behind is skipped or closed with 1008 as the topic says, and never delays the others: publishing
/// only appends to queues, and each connection writes its own queue. With a <see cref="IBackplane"/>, messages also
/// reach the subscribers of other nodes (see docs/topics.md for what that guarantees).
/// </summary>
/// <example>
/// <code>
/// var topics = new WebSocketTopics();
/// server.Map("/prices", async (ws, ct) =>
/// {
///     topics.Subscribe(ws, "prices.*");          // unsubscribed automatically when ws closes
///     await foreach (var m in ws.ReadAllAsync(ct)) { }
/// });
/// topics.Publish("prices.eur", "{\"bid\":1.08}");
/// </code>
/// </example>
public sealed class WebSocketTopics : IBackplaneListener, IAsyncDisposable
{
    private readonly WebSocketTopicsOptions _options;
    private readonly IBackplane? _backplane;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<ITopicSubscriber, HashSet<string>> _subscriptions = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, TopicOptions> _topicOptions = new(StringComparer.Ordinal);
    private readonly Action<ITopicSubscriber> _onEnded;
    private volatile Topic[] _patterns = [];
    private long _sequence;
    private long _published, _delivered, _skipped, _closedSlow, _backplaneSent, _backplaneReceived, _backplaneLost, _backplaneMalformed;
    private long _lastLossLog;
    private int _started;

    /// <summary>Creates a hub; with a backplane in the options, call <see cref="StartAsync"/> to connect it.</summary>
    public WebSocketTopics(WebSocketTopicsOptions? options = null)
    {
        _options = options ?? new WebSocketTopicsOptions();
        _options.DefaultTopic.Validate();
        _backplane = _options.Backplane;
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Ws101.Topics");
        _onEnded = subscriber => UnsubscribeAll(subscriber);
    }

    /// <summary>This node's id, carried in backplane envelopes.</summary>
    public Guid NodeId => _options.NodeId;

    /// <summary>True when there is no backplane, or its link is up.</summary>
    public bool IsBackplaneConnected => _backplane?.IsConnected ?? true;

    /// <summary>Counts since this hub was created (the same events as the <c>ws101.topics.*</c> and <c>ws101.backplane.*</c> metrics, for this hub alone).</summary>
    public TopicStatistics Statistics => new(Interlocked.Read(ref _published), Interlocked.Read(ref _delivered), Interlocked.Read(ref _skipped),
        Interlocked.Read(ref _closedSlow), Interlocked.Read(ref _backplaneSent), Interlocked.Read(ref _backplaneReceived),
        Interlocked.Read(ref _backplaneLost), Interlocked.Read(ref _backplaneMalformed));

    /// <summary>Starts the backplane, if any (it connects, or keeps trying in the background).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_backplane is null || Interlocked.Exchange(ref _started, 1) == 1)
        {
            return Task.CompletedTask;
        }
        return _backplane.StartAsync(this, cancellationToken);
    }

    /// <summary>Sets the options of one topic or pattern (for subscriptions made from now on and those already made).</summary>
    public void Configure(string topicOrPattern, TopicOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicOrPattern);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _topicOptions[topicOrPattern] = options;
        if (_topics.TryGetValue(topicOrPattern, out var topic))
        {
            topic.Options = options;
        }
    }

    /// <summary>
    /// Subscribes <paramref name="connection"/> to <paramref name="topic"/>: an exact name, or a pattern ending in
    /// <c>*</c> that matches every topic starting with what comes before it (<c>prices.*</c> matches <c>prices.eur</c>).
    /// A connection subscribed through several patterns gets each message once. The subscription ends with the connection.
    /// Returns false when it was already subscribed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is a client's (topics frame messages as a server, unmasked).</exception>
    public bool Subscribe(WebSocketConnection connection, string topic)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Role != Protocol.WebSocketRole.Server)
        {
            throw new InvalidOperationException("Only server connections can subscribe: topics send one unmasked frame to all, and clients must mask theirs (RFC 6455 §5.3).");
        }
        return Subscribe(ConnectionOutbox.For(connection), topic);
    }

    internal bool Subscribe(ITopicSubscriber subscriber, string topic)
    {
        ValidateName(topic, allowPattern: true);
        bool added;
        bool first = false;
        bool hook = false;
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscriber, out var set))
            {
                _subscriptions[subscriber] = set = new HashSet<string>(StringComparer.Ordinal);
                hook = true;
            }
            added = set.Add(topic);
            if (added)
            {
                if (!_topics.TryGetValue(topic, out var entry))
                {
                    entry = new Topic(topic, _topicOptions.GetValueOrDefault(topic) ?? _options.DefaultTopic);
                    _topics[topic] = entry;
                    first = true;
                    if (entry.IsPattern)
                    {
                        _patterns = [.. _patterns, entry];
                    }
                }
                entry.Members.Add(subscriber);
                entry.Snapshot = null;
            }
        }
        if (first)
        {
            _backplane?.Subscribe(topic);
        }
        if (hook)
        {
            subscriber.OnEnded(_onEnded);
        }
        return added;
    }

    /// <summary>Ends one subscription; false when there was none.</summary>
    public bool Unsubscribe(WebSocketConnection connection, string topic)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(topic);
        return ConnectionOutbox.Find(connection) is { } outbox && Unsubscribe(outbox, topic);
    }

    internal bool Unsubscribe(ITopicSubscriber subscriber, string topic)
    {
        bool last;
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscriber, out var set) || !set.Remove(topic))
            {
                return false;
            }
            last = RemoveMember(subscriber, topic);
        }
        if (last)
        {
            _backplane?.Unsubscribe(topic);
        }
        return true;
    }

    /// <summary>Ends every subscription of <paramref name="connection"/> (done by itself when the connection ends).</summary>
    public void UnsubscribeAll(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (ConnectionOutbox.Find(connection) is { } outbox)
        {
            UnsubscribeAll(outbox);
        }
    }

    internal void UnsubscribeAll(ITopicSubscriber subscriber)
    {
        List<string>? emptied = null;
        lock (_gate)
        {
            if (!_subscriptions.Remove(subscriber, out var set))
            {
                return;
            }
            foreach (var topic in set)
            {
                if (RemoveMember(subscriber, topic))
                {
                    (emptied ??= []).Add(topic);
                }
            }
        }
        if (emptied is not null && _backplane is { } backplane)
        {
            foreach (var topic in emptied)
            {
                backplane.Unsubscribe(topic);
            }
        }
    }

    // Under _gate. True when the topic lost its last member (and is gone).
    private bool RemoveMember(ITopicSubscriber subscriber, string topic)
    {
        if (!_topics.TryGetValue(topic, out var entry))
        {
            return false;
        }
        entry.Members.Remove(subscriber);
        entry.Snapshot = null;
        if (entry.Members.Count > 0)
        {
            return false;
        }
        _topics.TryRemove(topic, out _);
        if (entry.IsPattern)
        {
            _patterns = _patterns.Where(p => p != entry).ToArray();
        }
        return true;
    }

    /// <summary>Subscribers of exactly this topic or pattern (not counting patterns that match it).</summary>
    public int GetSubscriberCount(string topicOrPattern) =>
        _topics.TryGetValue(topicOrPattern, out var entry) ? Members(entry).Length : 0;

    /// <summary>
    /// Publishes a text message to <paramref name="topic"/>: framed once, queued to every local subscriber but
    /// <paramref name="except"/> (say, the connection it came from), and sent through the backplane to the other
    /// nodes. Returns the number of local subscribers it was queued to.
    /// </summary>
    public int Publish(string topic, string text, WebSocketConnection? except = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ValidateName(topic, allowPattern: false);
        using var message = PreparedMessage.CreateText(text);
        return PublishCore(topic, message, Skip(except), fromBackplane: false);
    }

    /// <summary>Publishes a text or binary message (see <see cref="Publish(string, string, WebSocketConnection?)"/>).</summary>
    /// <exception cref="ArgumentException">A text payload is not valid UTF-8.</exception>
    public int Publish(string topic, ReadOnlySpan<byte> payload, WebSocketMessageKind kind = WebSocketMessageKind.Binary, WebSocketConnection? except = null)
    {
        ValidateName(topic, allowPattern: false);
        using var message = PreparedMessage.Create(payload, kind);
        return PublishCore(topic, message, Skip(except), fromBackplane: false);
    }

    /// <summary>Publishes a message already framed (see <see cref="Publish(string, string, WebSocketConnection?)"/>); the caller still disposes it.</summary>
    public int Publish(string topic, PreparedMessage message, WebSocketConnection? except = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ValidateName(topic, allowPattern: false);
        return PublishCore(topic, message, Skip(except), fromBackplane: false);
    }

    /// <summary>Bytes of published messages queued for <paramref name="connection"/> and not yet written to it.</summary>
    public static long GetQueuedBytes(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ConnectionOutbox.Find(connection)?.QueuedBytes ?? 0;
    }

    // The subscriber a publisher's own connection is known by here (null when it subscribed to nothing).
    private static ConnectionOutbox? Skip(WebSocketConnection? except) => except is null ? null : ConnectionOutbox.Find(except);

    internal int PublishCore(string topic, PreparedMessage message, object? except, bool fromBackplane, string? viaSubscription = null)
    {
        Interlocked.Increment(ref _published);
        Ws101Metrics.TopicPublishes.Add(1);
        var counts = new DeliveryCounts();
        var patterns = _patterns;
        _topics.TryGetValue(topic, out var exact);
        if (exact is { IsPattern: true })
        {
            exact = null;
        }
        if (viaSubscription is not null && patterns.Length > 0)
        {
            DeliverRemote(topic, viaSubscription, message, exact, patterns, ref counts);
        }
        else if (patterns.Length == 0 || !AnyMatch(patterns, topic))
        {
            if (exact is not null)
            {
                Deliver(Members(exact), exact.Options, message, except, ref counts);
            }
        }
        else
        {
            // Several subscriptions may match: each subscriber gets the message once.
            var seen = new HashSet<ITopicSubscriber>(ReferenceEqualityComparer.Instance);
            if (exact is not null)
            {
                foreach (var member in Members(exact))
                {
                    seen.Add(member);
                }
                Deliver(Members(exact), exact.Options, message, except, ref counts);
            }
            foreach (var pattern in patterns)
            {
                if (pattern.Matches(topic))
                {
                    foreach (var member in Members(pattern))
                    {
                        if (seen.Add(member))
                        {
                            DeliverOne(member, pattern.Options, message, except, ref counts);
                        }
                    }
                }
            }
        }
        Flush(counts);
        if (!fromBackplane && _backplane is { } backplane)
        {
            SendToBackplane(backplane, topic, message);
        }
        return counts.Delivered;
    }

    // A message from another node arrives once per matching subscription of this node (a channel for an exact topic,
    // one per pattern): hand each subscriber its copy through exactly one of them (the exact one if it has it, else the
    // first matching pattern in order), so that nobody gets it twice.
    private void DeliverRemote(string topic, string via, PreparedMessage message, Topic? exact, Topic[] patterns, ref DeliveryCounts counts)
    {
        if (!_topics.TryGetValue(via, out var entry))
        {
            return;
        }
        if (!entry.IsPattern)
        {
            Deliver(Members(entry), entry.Options, message, null, ref counts);
            return;
        }
        foreach (var member in Members(entry))
        {
            if (exact is not null && Array.IndexOf(Members(exact), member) >= 0)
            {
                continue;
            }
            bool earlier = false;
            foreach (var pattern in patterns)
            {
                if (pattern == entry)
                {
                    break;
                }
                if (pattern.Matches(topic) && Array.IndexOf(Members(pattern), member) >= 0)
                {
                    earlier = true;
                    break;
                }
            }
            if (!earlier)
            {
                DeliverOne(member, entry.Options, message, null, ref counts);
            }
        }
    }

    private static bool AnyMatch(Topic[] patterns, string topic)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.Matches(topic))
            {
                return true;
            }
        }
        return false;
    }

    private void Deliver(ITopicSubscriber[] members, TopicOptions options, PreparedMessage message, object? except, ref DeliveryCounts counts)
    {
        foreach (var member in members)
        {
            DeliverOne(member, options, message, except, ref counts);
        }
    }

    private static void DeliverOne(ITopicSubscriber member, TopicOptions options, PreparedMessage message, object? except, ref DeliveryCounts counts)
    {
        if (ReferenceEquals(member, except))
        {
            return;
        }
        switch (member.TryEnqueue(message, options.MaxQueuedBytes))
        {
            case EnqueueResult.Queued:
                counts.Delivered++;
                break;
            case EnqueueResult.Full when options.SlowSubscriber == SlowSubscriberPolicy.Close:
                counts.ClosedSlow++;
                member.CloseTooSlow($"The subscriber read too slowly: more than {options.MaxQueuedBytes} bytes were waiting for it.");
                break;
            case EnqueueResult.Full:
                counts.Skipped++;
                break;
        }
    }

    private void Flush(in DeliveryCounts counts)
    {
        if (counts.Delivered > 0)
        {
            Interlocked.Add(ref _delivered, counts.Delivered);
            Ws101Metrics.TopicDeliveries.Add(counts.Delivered);
        }
        if (counts.Skipped > 0)
        {
            Interlocked.Add(ref _skipped, counts.Skipped);
            Ws101Metrics.TopicDrops.Add(counts.Skipped, new KeyValuePair<string, object?>("reason", "slow"));
        }
        if (counts.ClosedSlow > 0)
        {
            Interlocked.Add(ref _closedSlow, counts.ClosedSlow);
            Ws101Metrics.TopicDrops.Add(counts.ClosedSlow, new KeyValuePair<string, object?>("reason", "slow-closed"));
        }
    }

    private ITopicSubscriber[] Members(Topic topic)
    {
        var snapshot = topic.Snapshot;
        if (snapshot is not null)
        {
            return snapshot;
        }
        lock (_gate)
        {
            return topic.Snapshot ??= [.. topic.Members];
        }
    }

    private void SendToBackplane(IBackplane backplane, string topic, PreparedMessage message)
    {
        var envelope = BackplaneEnvelope.Encode(_options.NodeId, (ulong)Interlocked.Increment(ref _sequence), topic, message.Kind, message.Payload.Span);
        bool sent;
        try
        {
            sent = backplane.TryPublish(topic, envelope);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            OnPublishFailed(topic, ex);
            return;
        }
        if (sent)
        {
            Interlocked.Increment(ref _backplaneSent);
            Ws101Metrics.BackplaneSent.Add(1);
        }
        else
        {
            OnPublishFailed(topic, null);
        }
    }

    /// <inheritdoc />
    void IBackplaneListener.OnMessage(string subscription, ReadOnlySpan<byte> envelope)
    {
        if (!BackplaneEnvelope.TryDecode(envelope, out var decoded, out string? problem))
        {
            long n = Interlocked.Increment(ref _backplaneMalformed);
            Ws101Metrics.BackplaneMalformed.Add(1);
            if (n == 1 || n % 1000 == 0)
            {
                TopicsLog.MalformedEnvelope(_logger, subscription, problem, n);
            }
            return;
        }
        if (decoded.Node == _options.NodeId)
        {
            // Our own message coming back: its local subscribers had it at once.
            return;
        }
        Interlocked.Increment(ref _backplaneReceived);
        Ws101Metrics.BackplaneReceived.Add(1);
        using var message = PreparedMessage.Create(envelope[decoded.PayloadOffset..], decoded.Kind);
        PublishCore(decoded.Topic, message, null, fromBackplane: true, viaSubscription: subscription);
    }

    /// <inheritdoc />
    public void OnPublishFailed(string topic, Exception? error)
    {
        long n = Interlocked.Increment(ref _backplaneLost);
        Ws101Metrics.BackplaneLost.Add(1);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLossLog);
        if (now - last >= 5000 && Interlocked.CompareExchange(ref _lastLossLog, now, last) == last)
        {
            TopicsLog.BackplaneMessageLost(_logger, topic, error?.Message ?? "link down", n);
        }
    }

    /// <inheritdoc />
    void IBackplaneListener.OnConnectionChanged(bool connected, string? detail)
    {
        if (connected)
        {
            TopicsLog.BackplaneConnected(_logger, detail is null ? "" : ": " + detail);
        }
        else
        {
            TopicsLog.BackplaneDown(_logger, detail is null ? "" : ": " + detail);
        }
    }

    private static void ValidateName(string topic, bool allowPattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.Length > BackplaneEnvelope.MaxTopicBytes || System.Text.Encoding.UTF8.GetByteCount(topic) > BackplaneEnvelope.MaxTopicBytes)
        {
            throw new ArgumentException($"A topic name is at most {BackplaneEnvelope.MaxTopicBytes} bytes of UTF-8.", nameof(topic));
        }
        int star = topic.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0 && (!allowPattern || star != topic.Length - 1))
        {
            throw new ArgumentException(allowPattern
                ? $"'{topic}': '*' may only end a pattern (prices.* matches every topic that starts with \"prices.\")."
                : $"'{topic}': messages are published to a topic, not a pattern; '*' has no place in a topic name.", nameof(topic));
        }
    }

    /// <summary>Stops the backplane, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_backplane is not null)
        {
            await _backplane.DisposeAsync().ConfigureAwait(false);
        }
    }

    private struct DeliveryCounts
    {
        public int Delivered;
        public int Skipped;
        public int ClosedSlow;
    }

    private sealed class Topic(string key, TopicOptions options)
    {
        public string Key { get; } = key;

        public bool IsPattern { get; } = key.EndsWith('*');

        private readonly string _prefix = key.TrimEnd('*');

        public List<ITopicSubscriber> Members { get; } = [];

        public volatile ITopicSubscriber[]? Snapshot;

        public volatile TopicOptions Options = options;

        public bool Matches(string topic) => IsPattern && topic.Length > _prefix.Length && topic.StartsWith(_prefix, StringComparison.Ordinal);
    }
}
