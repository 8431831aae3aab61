namespace Ws101.PubSub;

/// <summary>One message of a topic's history.</summary>
/// <param name="Position">Its place in the history.</param>
/// <param name="Kind">Text or binary.</param>
/// <param name="Payload">Its payload (UTF-8 when text).</param>
internal sealed record HistoryEntry(string Position, WebSocketMessageKind Kind, ReadOnlyMemory<byte> Payload);
