using Microsoft.Extensions.Logging;

namespace Ws101.Redis;

/// <summary>How a <see cref="RedisBackplane"/> reaches Redis and names its channels.</summary>
public sealed record RedisBackplaneOptions
{
    /// <summary>Where Redis is: <c>HOST:PORT</c>, or any StackExchange.Redis configuration string. Default <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; init; } = "127.0.0.1:6379";

    /// <summary>
    /// Put before each topic to make its channel name, so that several applications can share one Redis. Default
    /// <c>ws101:</c> (topic <c>chat</c> travels on channel <c>ws101:chat</c>).
    /// </summary>
    public string ChannelPrefix { get; init; } = "ws101:";

    /// <summary>
    /// Put before each topic to make the key of its presence hash (a field per node; see docs/topics.md). Default
    /// <c>ws101-presence:</c>. Keep it apart from <see cref="ChannelPrefix"/>: a topic's history lives at the channel's name.
    /// </summary>
    public string PresencePrefix { get; init; } = "ws101-presence:";

    /// <summary>
    /// Use sharded pub/sub (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>, Redis 7 and later) so that a Redis Cluster spreads channels
    /// over its shards instead of sending every message to every node of the cluster. Default false: classic
    /// <c>PUBLISH</c>/<c>SUBSCRIBE</c>. Sharded pub/sub has no pattern subscriptions, so wildcard topics then stay local
    /// to each node (a warning is logged when one is subscribed).
    /// </summary>
    public bool Sharded { get; init; }

    /// <summary>The first wait before reconnecting; each later one doubles, with jitter, up to <see cref="MaxReconnectDelay"/>. Default 250 ms.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between reconnection attempts. Default 2 s: cross-node delivery resumes within seconds of Redis coming back.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one connection attempt may take. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most bytes of published envelopes that may wait for Redis's answer at once. Beyond it a publish is refused at
    /// once and counted lost, until Redis answers again. Default 16 MiB. It is what bounds the node's memory while Redis
    /// hangs (a connection that stays up and answers nothing, as a stopped or swapping Redis does): without it every
    /// publish would wait in the client's queue for as long as the hang lasts.
    /// </summary>
    public long MaxPendingBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// How long a publish may wait in this node's backlog while its link to Redis is down, to be sent once the link is
    /// back. Default <see cref="TimeSpan.Zero"/>: no backlog; a publish while the link is down is refused at once and
    /// counted lost (at most once, never late), which is what a feed of quickly stale values (prices, positions) wants.
    /// A positive age turns the backlog on: publishes made while the link is down (or refused for want of a connection)
    /// wait, in order, and live publishes queue behind them until they are sent, so nothing from this node overtakes
    /// an earlier message. One held longer than this is dropped and counted lost. The backlog is sent once the link
    /// and this node's subscriptions are back and one <see cref="MaxReconnectDelay"/> more has passed (so that the other
    /// nodes, which lost their subscriptions too, have made them again), so set it above the outages the application
    /// should ride out plus that wait (a Redis restart comes to a few seconds) and below the age past which a message is
    /// no longer worth delivering. A message in flight when the link fails is still lost, never sent twice.
    /// </summary>
    public TimeSpan PublishBacklog { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The most bytes of envelopes the backlog (<see cref="PublishBacklog"/>) holds; a publish beyond it is dropped at
    /// once and counted lost, while what is already held is kept. Default 4 MiB: at 500 messages of 100 bytes a second
    /// that is over a minute of outage, and it keeps what one node holds small beside <see cref="MaxPendingBytes"/>
    /// (the backlog is sent through that bound when the link returns).
    /// </summary>
    public long PublishBacklogBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Where the link's state changes are logged. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
