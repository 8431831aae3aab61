using Microsoft.Extensions.Logging;

namespace Ws101.PubSub;

/// <summary>
/// Every line <see cref="WebSocketTopics"/> logs, source-generated (nothing is formatted when the level is off).
/// Event ids 2000–2099 are stable; they are listed in docs/observability.md.
/// </summary>
internal static partial class TopicsLog
{
    [LoggerMessage(2000, LogLevel.Information, "Backplane connected{Detail}")]
    public static partial void BackplaneConnected(ILogger logger, string detail);

    [LoggerMessage(2001, LogLevel.Warning, "Backplane link down{Detail}; local delivery goes on, messages to and from other nodes are lost until it is back")]
    public static partial void BackplaneDown(ILogger logger, string detail);

    [LoggerMessage(2002, LogLevel.Warning, "Backplane: a message to {Topic} could not reach the other nodes ({Reason}); {Count} lost so far. Local subscribers still get every message.")]
    public static partial void BackplaneMessageLost(ILogger logger, string topic, string reason, long count);

    [LoggerMessage(2003, LogLevel.Warning, "Dropped a malformed backplane envelope on {Subscription} ({Problem}); {Count} so far")]
    public static partial void MalformedEnvelope(ILogger logger, string subscription, string? problem, long count);
}
