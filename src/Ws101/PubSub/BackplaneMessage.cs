namespace Ws101.PubSub;

/// <summary>A decoded envelope: who published, its sequence number, the topic, the kind and where the payload starts.</summary>
/// <param name="Node">The publishing node's id.</param>
/// <param name="Sequence">The publishing node's sequence number.</param>
/// <param name="Topic">The topic it was published to.</param>
/// <param name="Kind">Text or binary.</param>
/// <param name="PayloadOffset">Where the payload starts in the envelope.</param>
/// <param name="Position">The message's place in the topic's history, when it was appended to one; else null.</param>
internal readonly record struct BackplaneMessage(Guid Node, ulong Sequence, string Topic, WebSocketMessageKind Kind, int PayloadOffset, string? Position = null);
