namespace Ws101.PubSub;

/// <summary>What <see cref="ITopicHistoryStore.ReadAfterAsync"/> found.</summary>
/// <param name="Covered">True when the history still holds the position read after, so that the entries are all that followed it.</param>
/// <param name="Entries">The messages after it, oldest first.</param>
internal sealed record HistoryRead(bool Covered, IReadOnlyList<HistoryEntry> Entries);
