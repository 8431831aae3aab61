using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ws101.PubSub;

namespace Ws101;

/// <summary>
/// Topics: connections subscribe to names, and a message published to a name is framed once and the same bytes
/// are queued to every subscriber. A subscriber's queue is bounded in bytes (<see cref="TopicOptions.MaxQueuedBytes"/>);
/// one that falls behind is skipped or closed with 1008 as the topic says, and never delays the others: publishing
/// only appends to queues, and each connection writes its own queue. With a <see cref="TopicBackplane"/>, messages also
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
    private readonly TopicBackplane? _backplane;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<ITopicSubscriber, HashSet<string>> _subscriptions = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, TopicOptions> _topicOptions = new(StringComparer.Ordinal);
    private readonly Action<ITopicSubscriber> _onEnded;
    private volatile Topic[] _patterns = [];
    private readonly BackplaneSequences _sequences = new();
    private readonly PresenceTracker _presence;
    private long _published, _delivered, _skipped, _closedSlow, _backplaneSent, _backplaneReceived, _backplaneLost, _backplaneMalformed, _backplaneMissed, _backplaneDelayed, _backplaneBacklogDropped;
    private long _historyFilled, _historyReplayed;
    private long _lastLossLog, _lastMissLog;
    private int _started;

    /// <summary>Creates a hub; with a backplane in the options, call <see cref="StartAsync"/> to connect it.</summary>
    public WebSocketTopics(WebSocketTopicsOptions? options = null)
    {
        _options = options ?? new WebSocketTopicsOptions();
        _options.DefaultTopic.Validate();
        _backplane = _options.Backplane;
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Ws101.Topics");
        _onEnded = subscriber => UnsubscribeAll(subscriber);
        _options.Presence?.Validate();
        _presence = new PresenceTracker(_gate, _options.Presence is null ? null : _backplane as IPresenceStore, _options.Presence ?? new TopicPresenceOptions(),
            _options.NodeId, _logger);
    }

    /// <summary>This node's id, carried in backplane envelopes.</summary>
    public Guid NodeId => _options.NodeId;

    /// <summary>The backplane, if any (for the tool's tests, which check what reached it).</summary>
    internal TopicBackplane? Backplane => _backplane;

    /// <summary>True when there is no backplane, or its link is up.</summary>
    public bool IsBackplaneConnected => _backplane?.IsConnected ?? true;

    /// <summary>Counts since this hub was created (the same events as the <c>ws101.topics.*</c> and <c>ws101.backplane.*</c> metrics, for this hub alone).</summary>
    public TopicStatistics Statistics => new(Interlocked.Read(ref _published), Interlocked.Read(ref _delivered), Interlocked.Read(ref _skipped),
        Interlocked.Read(ref _closedSlow), Interlocked.Read(ref _backplaneSent), Interlocked.Read(ref _backplaneReceived),
        Interlocked.Read(ref _backplaneLost), Interlocked.Read(ref _backplaneMalformed), Interlocked.Read(ref _backplaneMissed),
        Interlocked.Read(ref _historyFilled), Interlocked.Read(ref _historyReplayed), Interlocked.Read(ref _backplaneDelayed),
        Interlocked.Read(ref _backplaneBacklogDropped));

    /// <summary>Starts the backplane, if any (it connects, or keeps trying in the background).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_backplane is null || Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }
        await _backplane.StartAsync(this, cancellationToken).ConfigureAwait(false);
        _presence.Start();
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

    /// <summary>
    /// Subscribes <paramref name="connection"/> to <paramref name="topic"/> with <paramref name="options"/>: a presence id
    /// (so that <see cref="GetPresenceAsync"/> can tell who is there), and positions (each message sent as JSON with its
    /// place in the topic's history, see <see cref="PositionedMessage"/>), from a position to resume after. Completes once
    /// the subscription is live: for one that resumes, after the missed messages were queued to it.
    /// </summary>
    /// <exception cref="ArgumentException">The presence id is empty, too long or has control characters; <see cref="TopicSubscribeOptions.Since"/> is not a position; positions were asked for a pattern.</exception>
    /// <exception cref="InvalidOperationException">Positions were asked for a topic without <see cref="TopicOptions.History"/>, or without a backplane that keeps history.</exception>
    public ValueTask<TopicSubscribeResult> SubscribeAsync(WebSocketConnection connection, string topic, TopicSubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        if (connection.Role != Protocol.WebSocketRole.Server)
        {
            throw new InvalidOperationException("Only server connections can subscribe: topics send one unmasked frame to all, and clients must mask theirs (RFC 6455 §5.3).");
        }
        return SubscribeAsync(ConnectionOutbox.For(connection), topic, options, cancellationToken);
    }

    internal async ValueTask<TopicSubscribeResult> SubscribeAsync(ITopicSubscriber subscriber, string topic, TopicSubscribeOptions options, CancellationToken cancellationToken)
    {
        if (TopicSubscribeOptions.CheckPresenceId(options.PresenceId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (!options.Positions && options.Since is null)
        {
            return new TopicSubscribeResult(Subscribe(subscriber, topic, options.PresenceId), null, 0);
        }
        ValidateName(topic, allowPattern: false);
        TopicPosition? since = null;
        if (options.Since is { } text)
        {
            since = TopicPosition.TryParse(text, out var at) ? at
                : throw new ArgumentException($"'{text}' is not a position of a topic's history (two numbers A-B, as the positioned messages carry).", nameof(options));
        }
        if (OptionsFor(topic).History is null)
        {
            throw new InvalidOperationException($"Topic '{topic}' keeps no history: give it TopicOptions.History (ws101 serve: --history COUNT) to subscribe with positions.");
        }
        if (_backplane is not ITopicHistoryStore)
        {
            throw new InvalidOperationException("Positions need a backplane that keeps history (such as Ws101.Redis.RedisBackplane).");
        }
        var joining = SubscribeCore(subscriber, topic, options.PresenceId, since, cancellationToken, out bool added);
        return added ? await joining!.ConfigureAwait(false) : new TopicSubscribeResult(false, null, 0);
    }

    // The options of one topic: its own, or the hub's default.
    private TopicOptions OptionsFor(string topic) => _topicOptions.GetValueOrDefault(topic) ?? _options.DefaultTopic;

    private void CountHistory(long filled, long replayed)
    {
        Interlocked.Add(ref _historyFilled, filled);
        Interlocked.Add(ref _historyReplayed, replayed);
    }

    /// <summary>
    /// Who is subscribed to <paramref name="topic"/> by name (not through a pattern): connections and presence ids on
    /// this node and, with <see cref="WebSocketTopicsOptions.Presence"/> and a backplane that stores presence, on every
    /// node. Other nodes' parts are as they last wrote them (at once after a change, <see cref="TopicPresenceOptions.Coalesce"/>
    /// later); a node that died counts until its part expires (<see cref="TopicPresenceOptions.TimeToLive"/>).
    /// </summary>
    /// <exception cref="Exception">The store could not be read (its own exception: Redis down, say).</exception>
    public Task<TopicPresence> GetPresenceAsync(string topic, CancellationToken cancellationToken = default)
    {
        ValidateName(topic, allowPattern: false);
        return _presence.GetAsync(topic, cancellationToken);
    }

    internal bool Subscribe(ITopicSubscriber subscriber, string topic, string? presenceId = null)
    {
        ValidateName(topic, allowPattern: true);
        SubscribeCore(subscriber, topic, presenceId, null, CancellationToken.None, out bool added, positioned: false);
        return added;
    }

    // Adds the membership (plain, or positioned through the topic's feed, which the join is posted to under the lock so
    // that a leave can never overtake it) and subscribes the backplane for the topic's first member.
    private Task<TopicSubscribeResult>? SubscribeCore(ITopicSubscriber subscriber, string topic, string? presenceId, TopicPosition? since,
        CancellationToken cancellationToken, out bool added, bool positioned = true)
    {
        bool first = false;
        bool hook = false;
        Task<TopicSubscribeResult>? joining = null;
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
                    entry = new Topic(topic, OptionsFor(topic));
                    _topics[topic] = entry;
                    first = true;
                    if (entry.IsPattern)
                    {
                        _patterns = [.. _patterns, entry];
                    }
                }
                if (positioned)
                {
                    var options = entry.Options;
                    entry.Feed ??= new TopicFeed(topic, (ITopicHistoryStore)_backplane!, options.History ?? OptionsFor(topic).History!, options.MaxQueuedBytes, _logger, CountHistory);
                    entry.Positioned++;
                    joining = entry.Feed.JoinAsync(subscriber, since, cancellationToken);
                }
                else
                {
                    entry.Members.Add(subscriber);
                    entry.Snapshot = null;
                }
                if (!entry.IsPattern)
                {
                    _presence.JoinedLocked(subscriber, topic, presenceId);
                }
            }
        }
        if (first && _backplane is { } backplane)
        {
            SyncBackplane(backplane, topic);
        }
        if (hook)
        {
            subscriber.OnEnded(_onEnded);
        }
        return joining;
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
        if (last && _backplane is { } backplane)
        {
            SyncBackplane(backplane, topic);
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
                SyncBackplane(backplane, topic);
            }
        }
    }

    // The backplane is told after _gate is released, so two threads could tell it in the opposite order to their changes:
    // a topic emptied and joined again at once would end unsubscribed, its new subscribers (and a positioned feed
    // waiting for the subscription) hearing nothing. So each call brings the backplane to the topic's state as it is
    // now, and checks again afterwards: whichever call acts last sees the final state.
    private void SyncBackplane(TopicBackplane backplane, string topic)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            bool wanted = _topics.ContainsKey(topic);
            if (wanted)
            {
                backplane.Subscribe(topic);
            }
            else
            {
                backplane.Unsubscribe(topic);
                _sequences.Forget(topic);
            }
            if (_topics.ContainsKey(topic) == wanted)
            {
                return;
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
        if (entry.Members.Remove(subscriber))
        {
            entry.Snapshot = null;
        }
        else if (entry.Feed is { } feed)
        {
            feed.Leave(subscriber);
            entry.Positioned--;
        }
        if (!entry.IsPattern)
        {
            _presence.LeftLocked(subscriber, topic);
        }
        if (entry.Members.Count > 0 || entry.Positioned > 0)
        {
            return false;
        }
        entry.Feed?.Stop();
        _topics.TryRemove(topic, out _);
        if (entry.IsPattern)
        {
            _patterns = _patterns.Where(p => p != entry).ToArray();
        }
        return true;
    }

    /// <summary>Subscribers of exactly this topic or pattern (not counting patterns that match it).</summary>
    public int GetSubscriberCount(string topicOrPattern) =>
        _topics.TryGetValue(topicOrPattern, out var entry) ? Members(entry).Length + entry.Positioned : 0;

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

    private void SendToBackplane(TopicBackplane backplane, string topic, PreparedMessage message)
    {
        var envelope = BackplaneEnvelope.Encode(_options.NodeId, _sequences.Next(topic), topic, message.Kind, message.Payload.Span);
        bool sent;
        try
        {
            // A topic with history is appended and published in one step by the store, which puts the position in.
            sent = OptionsFor(topic).History is { } history && backplane is ITopicHistoryStore store
                ? store.TryAppend(topic, envelope, history)
                : backplane.TryPublish(topic, envelope);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CountLost(topic, ex);
            return;
        }
        if (sent)
        {
            Interlocked.Increment(ref _backplaneSent);
            Ws101Metrics.BackplaneSent.Add(1);
        }
        else
        {
            CountLost(topic, (string?)null);
        }
    }

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
        if (decoded.Position is { } position && subscription == decoded.Topic && _topics.TryGetValue(subscription, out var entry) && entry.Feed is { } feed)
        {
            // Positioned subscribers get it from here, this node's own messages too: with the position the history gave it.
            feed.PostLive(position, decoded.Kind, envelope[decoded.PayloadOffset..]);
        }
        if (decoded.Node == _options.NodeId)
        {
            // Our own message coming back: its plain local subscribers had it at once.
            return;
        }
        Interlocked.Increment(ref _backplaneReceived);
        Ws101Metrics.BackplaneReceived.Add(1);
        if (!_sequences.TryObserve(subscription, decoded.Node, decoded.Topic, decoded.Sequence, out long missed))
        {
            // A copy of one delivered, or one overtaken by a later one and counted missed then (BackplaneSequences).
            return;
        }
        if (missed > 0)
        {
            NoteMissed(decoded.Topic, decoded.Node, missed);
        }
        using var message = PreparedMessage.Create(envelope[decoded.PayloadOffset..], decoded.Kind);
        PublishCore(decoded.Topic, message, null, fromBackplane: true, viaSubscription: subscription);
    }

    void IBackplaneListener.OnPublishFailed(string topic, Exception? error) => CountLost(topic, error);

    void IBackplaneListener.OnSentLate(int count)
    {
        Interlocked.Add(ref _backplaneDelayed, count);
        Ws101Metrics.BackplaneDelayed.Add(count);
    }

    void IBackplaneListener.OnBacklogDropped(string topic, string reason)
    {
        Interlocked.Increment(ref _backplaneBacklogDropped);
        Ws101Metrics.BackplaneBacklogDropped.Add(1);
        CountLost(topic, reason);
    }

    private void CountLost(string topic, Exception? error) => CountLost(topic, error?.Message);

    private void CountLost(string topic, string? reason)
    {
        long n = Interlocked.Increment(ref _backplaneLost);
        Ws101Metrics.BackplaneLost.Add(1);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLossLog);
        if (now - last >= 5000 && Interlocked.CompareExchange(ref _lastLossLog, now, last) == last)
        {
            TopicsLog.BackplaneMessageLost(_logger, topic, reason ?? "link down", n);
        }
    }

    private void NoteMissed(string topic, Guid node, long missed)
    {
        long total = Interlocked.Add(ref _backplaneMissed, missed);
        Ws101Metrics.BackplaneMissed.Add(missed);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastMissLog);
        if (now - last >= 5000 && Interlocked.CompareExchange(ref _lastMissLog, now, last) == last)
        {
            TopicsLog.BackplaneMessagesMissed(_logger, missed, node, topic, total);
        }
    }

    void IBackplaneListener.OnConnectionChanged(bool connected, string? detail)
    {
        foreach (var entry in _topics.Values)
        {
            entry.Feed?.LinkChanged(connected);
        }
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
        foreach (var entry in _topics.Values)
        {
            entry.Feed?.Stop();
        }
        await _presence.DisposeAsync().ConfigureAwait(false);
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

        /// <summary>The positioned subscribers and their feed (under the hub's lock), when any subscribed with positions.</summary>
        public TopicFeed? Feed;

        public int Positioned;

        public bool Matches(string topic) => IsPattern && topic.Length > _prefix.Length && topic.StartsWith(_prefix, StringComparison.Ordinal);
    }
}
