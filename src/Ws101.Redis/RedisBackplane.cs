using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Ws101.PubSub;

namespace Ws101.Redis;

/// <summary>
/// Carries Ws101 topic messages between servers over Redis pub/sub: one channel per topic (<c>PUBLISH</c>, or
/// <c>SPUBLISH</c> with <see cref="RedisBackplaneOptions.Sharded"/>), a pattern subscription per wildcard topic, and a
/// subscription only while this node has subscribers for the topic.
/// </summary>
/// <remarks>
/// Redis pub/sub delivers at most once. While the link is down, a publish is refused at once (the hub counts
/// the message as lost), nothing is queued for later, and messages other nodes publish meanwhile never arrive here;
/// unless <see cref="RedisBackplaneOptions.PublishBacklog"/> is on, when this node's publishes are held, in order and
/// bounded, and sent once the link is back.
/// While Redis hangs with the link up, publishes wait for its answer up to <see cref="RedisBackplaneOptions.MaxPendingBytes"/>
/// and are refused beyond it.
/// The link reconnects by itself with exponential backoff and restores every subscription. See docs/topics.md.
/// </remarks>
public sealed class RedisBackplane : TopicBackplane, IPresenceStore, ITopicHistoryStore
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ChannelMessageQueue?> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _subscribed = new(StringComparer.Ordinal);
    private readonly object _opsLock = new();
    private Task _ops = Task.CompletedTask;
    private ConnectionMultiplexer? _redis;
    private ISubscriber? _subscriber;
    private IBackplaneListener? _listener;
    // The links (endpoint and kind: interactive for commands, subscription for channels) that failed and have not come
    // back. In a cluster a failed master stays failed; it is forgotten once the cluster flags it failed or no longer
    // gives it slots.
    private readonly ConcurrentDictionary<(string EndPoint, ConnectionType Type), byte> _failedLinks = new();
    private volatile bool _disposed;
    // The publish backlog (null when RedisBackplaneOptions.PublishBacklog is zero), the lock that orders publishes with
    // it, whether a flush runs, when the link last came back (Environment.TickCount64) and how long the flush waits after.
    private readonly PublishBacklog? _backlog;
    private readonly object _backlogLock = new();
    private int _flushing;
    private long _linkBackAt;
    private readonly long _flushDelayMs;

    /// <summary>Creates the backplane; the hub it is given to connects it (<see cref="WebSocketTopics.StartAsync"/>).</summary>
    public RedisBackplane(RedisBackplaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Configuration);
        if (options.PublishBacklog < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "PublishBacklog is a duration: zero (no backlog) or positive.");
        }
        if (options.PublishBacklog > TimeSpan.Zero)
        {
            if (options.PublishBacklogBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "PublishBacklogBytes must be positive when PublishBacklog is on.");
            }
            _backlog = new PublishBacklog(options.PublishBacklog, options.PublishBacklogBytes);
            _flushDelayMs = (long)options.MaxReconnectDelay.TotalMilliseconds;
        }
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Ws101.Redis");
    }

    /// <summary>The options it was made with (for the tool's tests).</summary>
    internal RedisBackplaneOptions Options => _options;

    /// <inheritdoc />
    public override bool IsConnected => _redis is { IsConnected: true } && _failedLinks.IsEmpty;

    /// <inheritdoc />
    internal override async Task StartAsync(IBackplaneListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
        {
            throw new InvalidOperationException("The backplane is already started.");
        }
        var config = ConfigurationOptions.Parse(_options.Configuration);
        // Keep trying in the background rather than fail the server's start when Redis is not up yet.
        config.AbortOnConnectFail = false;
        // At most once: a command issued while disconnected fails at once instead of waiting to be sent late.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ReconnectRetryPolicy = new ExponentialRetry((int)_options.ReconnectDelay.TotalMilliseconds, (int)_options.MaxReconnectDelay.TotalMilliseconds);
        config.ConnectTimeout = (int)_options.ConnectTimeout.TotalMilliseconds;
        config.ConnectRetry = 1;
        config.ClientName ??= "ws101";
        var redis = await ConnectionMultiplexer.ConnectAsync(config).WaitAsync(cancellationToken).ConfigureAwait(false);
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        redis.ConfigurationChanged += OnConfigurationChanged;
        _redis = redis;
        _subscriber = redis.GetSubscriber();
        if (redis.IsConnected)
        {
            RedisLog.Connected(_logger, _options.Configuration);
        }
        else
        {
            listener.OnConnectionChanged(false, $"Redis at {_options.Configuration} is not reachable yet; retrying");
        }
        // Subscriptions asked for before the connection existed, and a check each second for any that could not be made
        // while the link was down (StackExchange.Redis restores those it holds by itself).
        RetryMissingSubscriptions();
        _retry = new Timer(static state => ((RedisBackplane)state!).Tick(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private Timer? _retry;
    private int _retrying;
    private int _ticking;
    private int _reloading;
    // Set when a publish fails, cleared by the next tick (which reloads a cluster's layout when it finds it set).
    private int _publishFailed;
    // Subscriptions found stranded at the last tick (touched only by Tick, which never overlaps itself).
    private readonly HashSet<string> _strandedAtLastTick = new(StringComparer.Ordinal);

    // Once a second: reload a cluster's layout while a link is down, a subscription is stranded or a publish failed, move
    // the stranded subscriptions, and make those that could not be made.
    private void Tick()
    {
        if (_disposed || Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }
        try
        {
            var stranded = FindStrandedSubscriptions();
            bool publishFailed = Interlocked.Exchange(ref _publishFailed, 0) == 1;
            ReloadClusterLayoutWhileDegraded(stranded.Count > 0 || publishFailed || AnySubscriptionMissing());
            RehomeStrandedSubscriptions(stranded);
            RetryMissingSubscriptions();
            TryStartFlush();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    // A cluster replaces a dead master by its replica seconds later, but the client learns who owns the slots only when it
    // reloads the layout, which it does by itself on a MOVED answer, on a role change it notices, or after failed
    // reconnections (at most once a minute, ConfigCheckSeconds). A publish to the dead master fails at once (FailFast)
    // rather than being MOVED, and a reload that reads a node which has not yet heard of the promotion leaves the slot
    // without a master, so without this the nodes could stay deaf to a topic for most of that minute after the failover.
    // The dead master's links stop counting as soon as the cluster flags it failed, which can be before its replica took
    // over: the reloads go on while a subscription is held nowhere or could not be made, or publishes fail.
    private void ReloadClusterLayoutWhileDegraded(bool degraded)
    {
        if ((_failedLinks.IsEmpty && !degraded) || _redis is not { } redis || !IsCluster(redis) || Interlocked.Exchange(ref _reloading, 1) == 1)
        {
            return;
        }
        redis.ConfigureAsync().ContinueWith(static (t, state) =>
        {
            _ = t.Exception;
            var self = (RedisBackplane)state!;
            Volatile.Write(ref self._reloading, 0);
            self.ForgetRetiredClusterNodes();
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static bool IsCluster(ConnectionMultiplexer redis)
    {
        foreach (var server in redis.GetServers())
        {
            if (server.ServerType == ServerType.Cluster)
            {
                return true;
            }
        }
        return false;
    }

    // The subscriptions made that the client holds on no node, or on one whose link is down. When a node's link fails the
    // client forgets that node for its subscriptions and makes them again wherever the layout routes them when it next
    // reconfigures; while a cluster slot has no reachable master that is nowhere, and ISubscriber.IsConnected(channel)
    // cannot tell: for a subscription held nowhere it answers for the node the channel would be routed to, which is then
    // any connected node, so it says true. SubscribedEndpoint says where the subscription really is.
    private List<string> FindStrandedSubscriptions()
    {
        var stranded = new List<string>();
        if (_subscriber is not { } subscriber || _redis is not { IsConnected: true })
        {
            return stranded;
        }
        foreach (var (subscription, queue) in _subscriptions)
        {
            if (queue is not null && (subscriber.SubscribedEndpoint(queue.Channel) is null || !subscriber.IsConnected(queue.Channel)))
            {
                stranded.Add(subscription);
            }
        }
        return stranded;
    }

    // A subscription asked for that could not be made (it is retried each second, where the layout routes it). A wildcard
    // topic with sharded pub/sub is never made (it stays local), so it is not missing.
    private bool AnySubscriptionMissing()
    {
        foreach (var (subscription, queue) in _subscriptions)
        {
            if (queue is null && !(_options.Sharded && subscription.EndsWith('*')))
            {
                return true;
            }
        }
        return false;
    }

    // The client restores a subscription on the node it was made on when that node's link comes back. A cluster master
    // that died never comes back: its replica now serves the channel's slot, and the subscription must be made again there.
    // One that is still stranded at two ticks in a row while Redis as a whole is reachable is dropped and made again (the
    // layout decides where). Two ticks, so that one being restored by the client right now is left to it.
    private void RehomeStrandedSubscriptions(List<string> stranded)
    {
        if (_subscriber is null || _redis is not { IsConnected: true })
        {
            _strandedAtLastTick.Clear();
            return;
        }
        foreach (var subscription in stranded)
        {
            if (_strandedAtLastTick.Contains(subscription) && _subscriptions.TryGetValue(subscription, out var queue) && queue is not null
                && _subscriptions.TryUpdate(subscription, null, queue))
            {
                RedisLog.SubscriptionMoved(_logger, subscription);
                Enqueue(() => queue.UnsubscribeAsync());
                Enqueue(() => SubscribeCoreAsync(subscription));
            }
        }
        _strandedAtLastTick.Clear();
        _strandedAtLastTick.UnionWith(stranded);
    }

    private void RetryMissingSubscriptions()
    {
        ForgetRetiredClusterNodes();
        if (_disposed || !IsConnected || Interlocked.Exchange(ref _retrying, 1) == 1)
        {
            return;
        }
        foreach (var (subscription, queue) in _subscriptions)
        {
            if (queue is null)
            {
                Enqueue(() => SubscribeCoreAsync(subscription));
            }
        }
        Enqueue(() =>
        {
            Volatile.Write(ref _retrying, 0);
            return Task.CompletedTask;
        });
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        bool wasUp = _failedLinks.IsEmpty;
        if (_failedLinks.TryAdd((Format(e.EndPoint), e.ConnectionType), 0) && wasUp)
        {
            _listener?.OnConnectionChanged(false, $"{e.ConnectionType} link to {Format(e.EndPoint)}: {e.FailureType}");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (_failedLinks.TryRemove((Format(e.EndPoint), e.ConnectionType), out _) && _failedLinks.IsEmpty)
        {
            Volatile.Write(ref _linkBackAt, Environment.TickCount64);
            if (_backlog is { Count: > 0 })
            {
                // The tick would start it within a second of the wait; this starts it when the wait is over.
                _ = Task.Delay(TimeSpan.FromMilliseconds(_flushDelayMs + 10)).ContinueWith(static (_, state) => ((RedisBackplane)state!).TryStartFlush(), this,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            _listener?.OnConnectionChanged(true, $"{e.ConnectionType} link to {Format(e.EndPoint)} restored");
        }
        RetryMissingSubscriptions();
    }

    /// <summary>Bytes of envelopes published and not yet answered by Redis (bounded by <see cref="RedisBackplaneOptions.MaxPendingBytes"/>).</summary>
    internal long PendingBytes => Interlocked.Read(ref _pendingBytes);

    private long _pendingBytes;

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => ForgetRetiredClusterNodes();

    // A cluster master that died stays unreachable, but once the cluster flags it failed (its replica takes its slots next)
    // or has given its slots to another node, the cluster no longer needs it: its failed links no longer count against
    // IsConnected. That can come before the replica took over; the reloads go on meanwhile (ReloadClusterLayoutWhileDegraded).
    private void ForgetRetiredClusterNodes()
    {
        if (_failedLinks.IsEmpty || _redis is not { } redis)
        {
            return;
        }
        ClusterConfiguration? cluster = null;
        foreach (var server in redis.GetServers())
        {
            if (server.IsConnected && server.ServerType == ServerType.Cluster && server.ClusterConfiguration is { } config)
            {
                cluster = config;
                break;
            }
        }
        if (cluster is null)
        {
            return;
        }
        var serving = cluster.Nodes.Where(n => !n.IsReplica && !n.IsFail && n.Slots.Count > 0 && n.EndPoint is not null)
            .Select(n => Format(n.EndPoint!)).ToHashSet(StringComparer.Ordinal);
        string? retired = null;
        foreach (var link in _failedLinks.Keys)
        {
            if (!serving.Contains(link.EndPoint) && _failedLinks.TryRemove(link, out _))
            {
                retired = link.EndPoint;
            }
        }
        if (retired is not null && _failedLinks.IsEmpty)
        {
            _listener?.OnConnectionChanged(true, $"cluster: {retired} no longer serves slots; its replica took over");
        }
    }

    // HOST:PORT, whether the endpoint came as an address (from the cluster's view) or a name (from the configuration).
    private static string Format(System.Net.EndPoint? endPoint) => endPoint switch
    {
        System.Net.IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        null => "?",
        _ => endPoint.ToString() ?? "?",
    };

    /// <inheritdoc />
    internal override bool TryPublish(string topic, byte[] envelope)
    {
        if (_backlog is not null)
        {
            return PublishOrHold(new HeldPublish(topic, envelope, null, Environment.TickCount64));
        }
        // Not the whole IsConnected: in a cluster, a topic whose master is up can be published to while another master is
        // down. A publish to a master that is down fails at once (BacklogPolicy.FailFast) and is counted.
        if (_subscriber is null || _redis is not { IsConnected: true })
        {
            return false;
        }
        return Send(topic, envelope, null, holdable: false) == SendOutcome.Started;
    }

    /// <inheritdoc />
    bool ITopicHistoryStore.TryAppend(string topic, byte[] envelope, TopicHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (_backlog is not null)
        {
            return PublishOrHold(new HeldPublish(topic, envelope, history, Environment.TickCount64));
        }
        if (_redis is not { IsConnected: true })
        {
            return false;
        }
        return Send(topic, envelope, history, holdable: false) == SendOutcome.Started;
    }

    private enum SendOutcome
    {
        // Handed to the client; a later failure goes to the listener.
        Started,
        // Refused at once: too much waits for Redis's answer (MaxPendingBytes); it may be sent once Redis answers.
        Busy,
        // Refused at once: the client threw (not for want of a connection).
        Failed,
        // Refused at once for want of a connection: never written anywhere, so it can be held and sent later.
        NoConnection,
    }

    // Publishes (or, with history, appends and publishes) one envelope. A later failure goes to the listener (the message
    // is lost, counted).
    private SendOutcome Send(string topic, byte[] envelope, TopicHistory? history, bool holdable)
    {
        // A hung Redis keeps the link up and answers nothing: what waits for its answer is bounded here, and the rest is
        // refused at once (the hub counts it lost) instead of queueing in the client for as long as the hang lasts.
        int length = envelope.Length;
        if (Interlocked.Add(ref _pendingBytes, length) > _options.MaxPendingBytes)
        {
            Interlocked.Add(ref _pendingBytes, -length);
            return SendOutcome.Busy;
        }
        Task sent;
        try
        {
            sent = history is null
                ? _subscriber!.PublishAsync(Channel(topic), envelope)
                : RedisHistory.AppendAsync(_redis!.GetDatabase(), _options.ChannelPrefix + topic, envelope, history, _options.Sharded);
        }
        catch (RedisException ex)
        {
            Interlocked.Add(ref _pendingBytes, -length);
            Volatile.Write(ref _publishFailed, 1);
            return holdable && ex is RedisConnectionException ? SendOutcome.NoConnection : SendOutcome.Failed;
        }
        if (holdable && sent.IsFaulted && sent.Exception?.InnerException is RedisConnectionException)
        {
            // FailFast: no connection to send it on, so it completed before anything was written. Never sent, so holding it
            // cannot make it arrive twice (a command that failed after it was written is lost instead, as without a backlog).
            Interlocked.Add(ref _pendingBytes, -length);
            Volatile.Write(ref _publishFailed, 1);
            return SendOutcome.NoConnection;
        }
        if (sent.IsCompleted)
        {
            Answered(sent, topic, length);
        }
        else
        {
            sent.ContinueWith(static (t, state) =>
            {
                var (self, topic, length) = ((RedisBackplane, string, int))state!;
                self.Answered(t, topic, length);
            }, (this, topic, length), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return SendOutcome.Started;
    }

    private void Answered(Task sent, string topic, int length)
    {
        Interlocked.Add(ref _pendingBytes, -length);
        if (sent.IsFaulted)
        {
            Volatile.Write(ref _publishFailed, 1);
            _listener?.OnPublishFailed(topic, sent.Exception?.InnerException);
        }
    }

    // With the backlog on: send at once when nothing is held and the link is up; otherwise hold, behind what is held, so
    // that no message of this node overtakes an earlier one. Under the lock, which the flush holds too while it sends:
    // the client writes commands in the order they are issued on its one connection, so issuing them in the lock's order
    // is what keeps the order on the wire.
    private bool PublishOrHold(HeldPublish publish)
    {
        var backlog = _backlog!;
        lock (_backlogLock)
        {
            DropExpired(backlog);
            if (backlog.Count == 0 && _subscriber is not null && _redis is { IsConnected: true })
            {
                var outcome = Send(publish.Topic, publish.Envelope, publish.History, holdable: true);
                if (outcome != SendOutcome.NoConnection)
                {
                    return outcome == SendOutcome.Started;
                }
            }
            if (!backlog.TryAdd(publish))
            {
                // Counted lost by the listener; true, since the hub must not count it a second time.
                _listener?.OnBacklogDropped(publish.Topic, $"the publish backlog is full ({_options.PublishBacklogBytes} bytes)");
            }
            return true;
        }
    }

    // Under _backlogLock.
    private void DropExpired(PublishBacklog backlog)
    {
        long now = Environment.TickCount64;
        while (backlog.TryTakeExpired(now, out var expired))
        {
            _listener?.OnBacklogDropped(expired.Topic, $"held longer than the publish backlog's {_options.PublishBacklog.TotalSeconds:0.###} s");
        }
    }

    // Starts sending the backlog on the thread pool unless a flush runs already (it goes on until the backlog is empty or
    // cannot be sent yet; the tick starts another then).
    private void TryStartFlush()
    {
        if (_backlog is not { Count: > 0 } || _disposed || Interlocked.Exchange(ref _flushing, 1) == 1)
        {
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static self => self.Flush(), this, preferLocal: false);
    }

    private void Flush()
    {
        var backlog = _backlog!;
        while (true)
        {
            lock (_backlogLock)
            {
                DropExpired(backlog);
                int sent = 0;
                bool stop = !ReadyToFlush();
                // A batch per turn of the lock, so that a long backlog does not hold up publishers (who queue behind it
                // meanwhile) for the whole flush.
                while (!stop && sent < 256 && backlog.TryPeek(out var held))
                {
                    switch (Send(held.Topic, held.Envelope, held.History, holdable: true))
                    {
                        case SendOutcome.Started:
                            backlog.RemoveFirst();
                            sent++;
                            break;
                        case SendOutcome.Failed:
                            // Refused for another reason than the link: sending it again would fail alike. Lost, counted.
                            backlog.RemoveFirst();
                            _listener?.OnPublishFailed(held.Topic, null);
                            break;
                        default:
                            // Down again, or too much waits for Redis's answer: kept, in place; the next tick tries again.
                            stop = true;
                            break;
                    }
                }
                if (sent > 0)
                {
                    _listener?.OnSentLate(sent);
                }
                if (stop || backlog.Count == 0)
                {
                    // Cleared under the lock: a publish held after this sees it clear, and the tick starts the next flush.
                    Volatile.Write(ref _flushing, 0);
                    return;
                }
            }
        }
    }

    // The backlog is sent once the link is back, this node's subscriptions are made again, and the other nodes have had
    // time to make theirs: they lost them with the link too and come back on their own reconnection schedule, and a
    // message published before a node has resubscribed never reaches it. With the same settings, every node retries at
    // least once per MaxReconnectDelay, so by one MaxReconnectDelay after this node's link returned the others have
    // reconnected as well (measured in docs/topics.md, "Head to head").
    private bool ReadyToFlush()
    {
        if (!IsConnected || _subscriber is not { } subscriber || Environment.TickCount64 - Volatile.Read(ref _linkBackAt) < _flushDelayMs)
        {
            return false;
        }
        foreach (var (subscription, queue) in _subscriptions)
        {
            if (queue is null ? !(_options.Sharded && subscription.EndsWith('*')) : !subscriber.IsConnected(queue.Channel))
            {
                return false;
            }
        }
        return true;
    }

    // At stop, what the backlog still holds is sent if the link is up (the wait for the other nodes is cut short: there is
    // no later), and dropped and counted lost otherwise, so that the counts add up.
    private void SendOrDropHeldAtStop()
    {
        if (_backlog is not { } backlog)
        {
            return;
        }
        lock (_backlogLock)
        {
            int sent = 0;
            while (backlog.TryPeek(out var held))
            {
                if (IsConnected && Send(held.Topic, held.Envelope, held.History, holdable: true) == SendOutcome.Started)
                {
                    sent++;
                }
                else
                {
                    _listener?.OnBacklogDropped(held.Topic, "the backplane stopped with it in its publish backlog");
                }
                backlog.RemoveFirst();
            }
            if (sent > 0)
            {
                _listener?.OnSentLate(sent);
            }
        }
    }

    /// <summary>Publishes held in the backlog now (tests).</summary>
    internal int HeldCount => _backlog?.Count ?? 0;

    /// <summary>Bytes of publishes held in the backlog now (tests).</summary>
    internal long HeldBytes
    {
        get
        {
            if (_backlog is null)
            {
                return 0;
            }
            lock (_backlogLock)
            {
                return _backlog.Bytes;
            }
        }
    }

    /// <inheritdoc />
    Task<HistoryRead> ITopicHistoryStore.ReadAfterAsync(string topic, string after, int max, TopicHistory history, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return RedisHistory.ReadAfterAsync(Database(), _options.ChannelPrefix + topic, after, max, history).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    Task<string> ITopicHistoryStore.GetLastPositionAsync(string topic, CancellationToken cancellationToken) =>
        RedisHistory.LastPositionAsync(Database(), _options.ChannelPrefix + topic).WaitAsync(cancellationToken);

    /// <inheritdoc />
    Task ITopicHistoryStore.WhenSubscribedAsync(string topic, CancellationToken cancellationToken) =>
        _subscribed.GetOrAdd(topic, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    internal override void Subscribe(string subscription)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscription);
        if (_subscriptions.TryAdd(subscription, null) && _subscriber is not null)
        {
            Enqueue(() => SubscribeCoreAsync(subscription));
        }
    }

    /// <inheritdoc />
    internal override void Unsubscribe(string subscription)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscription);
        // Only a subscription that was made: a waiter for one still being made (a feed that just started, as the topic
        // was emptied and joined again) keeps its wait, which the next subscription completes.
        if (_subscribed.TryGetValue(subscription, out var made) && made.Task.IsCompleted)
        {
            _subscribed.TryRemove(KeyValuePair.Create(subscription, made));
        }
        if (_subscriptions.TryRemove(subscription, out var queue) && queue is not null)
        {
            Enqueue(() => queue.UnsubscribeAsync());
        }
    }

    // Subscribe and unsubscribe run one after another, in call order, so that a quick subscribe-unsubscribe-subscribe ends subscribed.
    private void Enqueue(Func<Task> operation)
    {
        lock (_opsLock)
        {
            _ops = _ops.ContinueWith(async _ =>
            {
                try
                {
                    await operation().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
                {
                    // Down: retried when the link is restored.
                    RedisLog.SubscriptionChangeFailed(_logger, ex.Message);
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task SubscribeCoreAsync(string subscription)
    {
        if (_disposed || _subscriber is not { } subscriber || !_subscriptions.TryGetValue(subscription, out var existing) || existing is not null)
        {
            return;
        }
        bool pattern = subscription.EndsWith('*');
        if (pattern && _options.Sharded)
        {
            RedisLog.NoShardedPatterns(_logger, subscription);
            return;
        }
        var channel = pattern ? RedisChannel.Pattern(_options.ChannelPrefix + EscapeGlob(subscription[..^1]) + "*") : Channel(subscription);
        ChannelMessageQueue queue;
        try
        {
            queue = await subscriber.SubscribeAsync(channel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The client registers the queue before it sends SUBSCRIBE and keeps it when the send fails: once the link is
            // back it would subscribe the channel for that queue, which no one reads, and buffer every message. This
            // backplane holds no other registration for the channel (the subscription was not made), so drop them all;
            // the retry (RetryMissingSubscriptions) makes a new one.
            try
            {
                await subscriber.UnsubscribeAsync(channel, null, CommandFlags.FireAndForget).ConfigureAwait(false);
            }
            catch (Exception unsubscribeError) when (unsubscribeError is RedisException or TimeoutException)
            {
                // Still down: the registrations are dropped on the client's side before anything is sent.
            }
            throw;
        }
        var listener = _listener!;
        queue.OnMessage(message =>
        {
            ReadOnlyMemory<byte> envelope = message.Message;
            listener.OnMessage(subscription, envelope.Span);
        });
        if (!_subscriptions.TryUpdate(subscription, queue, null))
        {
            // Unsubscribed meanwhile.
            await queue.UnsubscribeAsync().ConfigureAwait(false);
            return;
        }
        _subscribed.GetOrAdd(subscription, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <inheritdoc />
    Task IPresenceStore.WritePresenceAsync(string topic, NodePresence presence, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(presence);
        return RedisPresence.WriteAsync(Database(), _options.PresencePrefix + topic, presence, timeToLive).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    Task<IReadOnlyList<NodePresence>> IPresenceStore.ReadPresenceAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return RedisPresence.ReadAsync(Database(), _options.PresencePrefix + topic).WaitAsync(cancellationToken);
    }

    private IDatabase Database() =>
        (_redis ?? throw new InvalidOperationException("The Redis backplane is not started.")).GetDatabase();

    private RedisChannel Channel(string topic) =>
        _options.Sharded ? RedisChannel.Sharded(_options.ChannelPrefix + topic) : RedisChannel.Literal(_options.ChannelPrefix + topic);

    /// <summary>
    /// For a test's failure message: whether the subscription was made, where the client holds it and whether that link
    /// is up, where the client would route the channel now, and the links that are down.
    /// </summary>
    internal string Describe(string subscription)
    {
        if (_redis is not { } redis || _subscriber is not { } subscriber)
        {
            return "not started";
        }
        string made = _subscriptions.TryGetValue(subscription, out var queue) ? (queue is null ? "not made" : "made") : "not asked for";
        var channel = queue?.Channel ?? Channel(subscription);
        string routed;
        try
        {
            routed = Format(redis.GetServer((RedisKey)(_options.ChannelPrefix + subscription)).EndPoint);
        }
        catch (RedisException ex)
        {
            routed = ex.Message;
        }
        string held = subscriber.SubscribedEndpoint(channel) is { } endPoint ? Format(endPoint) : "nowhere";
        return $"{subscription} {made}, held on {held}, IsConnected(channel) {subscriber.IsConnected(channel)}, " +
            $"routed to {routed}, failed links [{string.Join(" ", _failedLinks.Keys.Select(k => $"{k.EndPoint}/{k.Type}"))}]";
    }

    /// <summary>Escapes Redis glob characters so that a topic prefix matches only itself.</summary>
    internal static string EscapeGlob(string text)
    {
        if (text.AsSpan().IndexOfAny("*?[]\\") < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 4);
        foreach (char c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Closes the Redis connection.</summary>
    public override async ValueTask DisposeAsync()
    {
        _disposed = true;
        SendOrDropHeldAtStop();
        if (_retry is { } retry)
        {
            await retry.DisposeAsync().ConfigureAwait(false);
        }
        if (_redis is { } redis)
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            redis.ConnectionRestored -= OnConnectionRestored;
            redis.ConfigurationChanged -= OnConfigurationChanged;
            await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
