using Microsoft.Extensions.Logging;

namespace Ws101.PubSub;

/// <summary>
/// Every line <see cref="WebSocketTopics"/> logs (with its presence tracker and its topics' history feeds), source-generated (nothing is formatted when the level is off).
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

    [LoggerMessage(2004, LogLevel.Warning, "Backplane: missed {Missed} message(s) of node {Node} on {Topic} (a gap in its sequence numbers); {Total} missed so far.")]
    public static partial void BackplaneMessagesMissed(ILogger logger, long missed, Guid node, string topic, long total);

    [LoggerMessage(2005, LogLevel.Warning, "Presence: could not write {Count} topic(s) ({Error}); retried at the next refresh")]
    public static partial void PresenceWriteFailed(ILogger logger, int count, string error);

    [LoggerMessage(2010, LogLevel.Debug, "History of {Topic}: the feed could not start yet ({Error})")]
    public static partial void HistoryFeedNotStarted(ILogger logger, string topic, string error);

    [LoggerMessage(2011, LogLevel.Error, "History of {Topic}: the feed failed on {Work}; its subscribers are closed to resume")]
    public static partial void HistoryFeedFailed(ILogger logger, Exception error, string topic, string work);

    [LoggerMessage(2012, LogLevel.Warning, "History of {Topic}: could not read it for a subscriber that resumes ({Error}); it is closed to try again")]
    public static partial void HistoryResumeReadFailed(ILogger logger, string topic, string? error);

    [LoggerMessage(2013, LogLevel.Warning, "History of {Topic}: cannot fill in what this node missed ({Why}); {Count} positioned subscriber(s) closed to resume")]
    public static partial void HistoryCannotFillIn(ILogger logger, string topic, string? why, int count);

    [LoggerMessage(2014, LogLevel.Information, "History of {Topic}: filled in {Count} message(s) this node missed")]
    public static partial void HistoryFilledIn(ILogger logger, string topic, long count);
}
