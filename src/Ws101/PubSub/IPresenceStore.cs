namespace Ws101.PubSub;

/// <summary>
/// Where nodes share who is subscribed to what (see <see cref="TopicPresenceOptions"/>): each node writes its own part
/// of a topic's presence with a time to live, and refreshes it; a node that stops refreshing (it died) drops out by
/// itself when its part expires. <c>Ws101.Redis.RedisBackplane</c> implements it.
/// </summary>
internal interface IPresenceStore
{
    /// <summary>
    /// Replaces <paramref name="presence"/>'s node's part of <paramref name="topic"/>, to expire after
    /// <paramref name="timeToLive"/> unless written again; a part with no connections removes it.
    /// </summary>
    Task WritePresenceAsync(string topic, NodePresence presence, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Every node's part of <paramref name="topic"/> that has not expired.</summary>
    Task<IReadOnlyList<NodePresence>> ReadPresenceAsync(string topic, CancellationToken cancellationToken = default);
}
