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
/// Redis pub/sub delivers at most once. While the link is down, <see cref="TryPublish"/> refuses at once (the hub counts
/// the message as lost), nothing is queued for later, and messages other nodes publish meanwhile never arrive here.
/// The link reconnects by itself with exponential backoff and restores every subscription. See docs/topics.md.
/// </remarks>
public sealed class RedisBackplane : IBackplane
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ChannelMessageQueue?> _subscriptions = new(StringComparer.Ordinal);
    private readonly object _opsLock = new();
    private Task _ops = Task.CompletedTask;
    private ConnectionMultiplexer? _redis;
    private ISubscriber? _subscriber;
    private IBackplaneListener? _listener;
    private int _failedLinks;
    private volatile bool _disposed;

    /// <summary>Creates the backplane; <see cref="StartAsync"/> connects it.</summary>
    public RedisBackplane(RedisBackplaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Configuration);
        _options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Ws101.Redis");
    }

    /// <inheritdoc />
    public bool IsConnected => _redis is { IsConnected: true } && Volatile.Read(ref _failedLinks) == 0;

    /// <inheritdoc />
    public async Task StartAsync(IBackplaneListener listener, CancellationToken cancellationToken = default)
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
        _retry = new Timer(static state => ((RedisBackplane)state!).RetryMissingSubscriptions(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private Timer? _retry;
    private int _retrying;

    private void RetryMissingSubscriptions()
    {
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

    // One bit per link (interactive for PUBLISH, subscription for the channels): up only when none is failed.
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        int bit = 1 << (int)e.ConnectionType;
        if ((Interlocked.Or(ref _failedLinks, bit) & bit) == 0)
        {
            _listener?.OnConnectionChanged(false, $"{e.ConnectionType} link to {e.EndPoint}: {e.FailureType}");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.And(ref _failedLinks, ~(1 << (int)e.ConnectionType) & ~1);
        _listener?.OnConnectionChanged(true, $"{e.ConnectionType} link to {e.EndPoint} restored");
        RetryMissingSubscriptions();
    }

    /// <inheritdoc />
    public bool TryPublish(string topic, byte[] envelope)
    {
        var subscriber = _subscriber;
        if (subscriber is null || !IsConnected)
        {
            return false;
        }
        Task<long> sent;
        try
        {
            sent = subscriber.PublishAsync(Channel(topic), envelope);
        }
        catch (RedisException)
        {
            return false;
        }
        if (!sent.IsCompletedSuccessfully)
        {
            sent.ContinueWith(static (t, state) =>
            {
                var (self, topic) = ((RedisBackplane, string))state!;
                if (t.IsFaulted)
                {
                    self._listener?.OnPublishFailed(topic, t.Exception?.InnerException);
                }
            }, (this, topic), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
        }
        return true;
    }

    /// <inheritdoc />
    public void Subscribe(string subscription)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscription);
        if (_subscriptions.TryAdd(subscription, null) && _subscriber is not null)
        {
            Enqueue(() => SubscribeCoreAsync(subscription));
        }
    }

    /// <inheritdoc />
    public void Unsubscribe(string subscription)
    {
        ArgumentException.ThrowIfNullOrEmpty(subscription);
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
        var queue = await subscriber.SubscribeAsync(channel).ConfigureAwait(false);
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
        }
    }

    private RedisChannel Channel(string topic) =>
        _options.Sharded ? RedisChannel.Sharded(_options.ChannelPrefix + topic) : RedisChannel.Literal(_options.ChannelPrefix + topic);

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
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_retry is { } retry)
        {
            await retry.DisposeAsync().ConfigureAwait(false);
        }
        if (_redis is { } redis)
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            redis.ConnectionRestored -= OnConnectionRestored;
            await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
