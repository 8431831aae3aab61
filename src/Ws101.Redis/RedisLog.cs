using Microsoft.Extensions.Logging;

namespace Ws101.Redis;

/// <summary>
/// Every line <see cref="RedisBackplane"/> logs, source-generated (nothing is formatted when the level is off).
/// Event ids 3000–3099 are stable; they are listed in docs/observability.md.
/// </summary>
internal static partial class RedisLog
{
    [LoggerMessage(3000, LogLevel.Information, "Connected to Redis at {Configuration}")]
    public static partial void Connected(ILogger logger, string configuration);

    [LoggerMessage(3001, LogLevel.Debug, "A Redis subscription change failed: {Error}")]
    public static partial void SubscriptionChangeFailed(ILogger logger, string error);

    [LoggerMessage(3002, LogLevel.Warning, "Sharded pub/sub has no pattern subscriptions: '{Subscription}' gets messages published on this node only")]
    public static partial void NoShardedPatterns(ILogger logger, string subscription);

    [LoggerMessage(3003, LogLevel.Information, "The Redis subscription for '{Subscription}' was held on no node, or on one that stayed down; made again where the cluster now serves it")]
    public static partial void SubscriptionMoved(ILogger logger, string subscription);
}
