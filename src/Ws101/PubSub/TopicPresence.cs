namespace Ws101;

/// <summary>A topic's presence across every node: how many connections are subscribed to it, and who.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Connections">Connections subscribed to it by name (pattern subscriptions are not counted), on every node.</param>
/// <param name="Members">The distinct presence ids of those connections that gave one, in ordinal order.</param>
/// <param name="Nodes">The nodes with at least one such connection.</param>
public sealed record TopicPresence(string Topic, int Connections, IReadOnlyList<string> Members, int Nodes);
