using Microsoft.Extensions.Logging;
using Ws101.PubSub;

namespace Ws101;

/// <summary>Options of a <see cref="WebSocketTopics"/> hub.</summary>
public sealed record WebSocketTopicsOptions
{
    /// <summary>The options of topics that have none of their own (see <see cref="WebSocketTopics.Configure"/>).</summary>
    public TopicOptions DefaultTopic { get; init; } = TopicOptions.Default;

    /// <summary>Carries messages to and from other nodes; null keeps topics local to this process.</summary>
    public TopicBackplane? Backplane { get; init; }

    /// <summary>This node's id in backplane envelopes (its own messages coming back are dropped by it). Default: a new one.</summary>
    public Guid NodeId { get; init; } = Guid.NewGuid();

    /// <summary>
    /// Share presence (<see cref="WebSocketTopics.GetPresenceAsync"/>) with the other nodes through the backplane, when it
    /// stores presence (the Redis backplane does). Default null: presence counts this node only.
    /// </summary>
    public TopicPresenceOptions? Presence { get; init; }

    /// <summary>Where backplane trouble is logged (link down and up, lost and malformed messages). Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
