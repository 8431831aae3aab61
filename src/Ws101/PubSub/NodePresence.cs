namespace Ws101.PubSub;

/// <summary>One node's part of a topic's presence.</summary>
/// <param name="Node">The node's id (<see cref="WebSocketTopics.NodeId"/>).</param>
/// <param name="Connections">Its connections subscribed to the topic (by name, not through a pattern).</param>
/// <param name="Members">The presence ids given by those connections (<see cref="TopicSubscribeOptions.PresenceId"/>), each with its number of connections.</param>
internal sealed record NodePresence(Guid Node, int Connections, IReadOnlyDictionary<string, int> Members);
