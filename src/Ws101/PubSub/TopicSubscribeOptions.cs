namespace Ws101;

/// <summary>How one connection subscribes to one topic (<see cref="WebSocketTopics.SubscribeAsync(WebSocketConnection, string, TopicSubscribeOptions, CancellationToken)"/>).</summary>
public sealed record TopicSubscribeOptions
{
    /// <summary>
    /// Send each message with its position in the topic's history, as JSON (<see cref="PositionedMessage"/> reads it),
    /// so that the client can resume after a disconnection with <see cref="Since"/>. Needs a topic with
    /// <see cref="TopicOptions.History"/> and a backplane that keeps it (<c>Ws101.Redis.RedisBackplane</c> does), and an exact
    /// topic name. Such a subscriber is never skipped: one that reads too slowly is closed with 1001 and a reason that
    /// starts with "resume:", and comes back with its position.
    /// </summary>
    public bool Positions { get; init; }

    /// <summary>
    /// Resume after this position (the last one the client saw; implies <see cref="Positions"/>): first
    /// <c>{"recovered": true, "missed": N}</c> and the N messages that came after it, or <c>{"recovered": false}</c> when
    /// the history no longer reaches back that far; then the live messages, without a gap or a duplicate between.
    /// </summary>
    public string? Since { get; init; }

    /// <summary>
    /// Who this connection is, for the topic's presence (<see cref="WebSocketTopics.GetPresenceAsync"/>): any id of the
    /// application's, 1 to 256 bytes of UTF-8 without control characters. Null: counted, but anonymous.
    /// </summary>
    public string? PresenceId { get; init; }

    /// <summary>The longest presence id, in UTF-8 bytes.</summary>
    public const int MaxPresenceIdBytes = 256;

    internal static string? CheckPresenceId(string? id)
    {
        if (id is null)
        {
            return null;
        }
        if (id.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(id) > MaxPresenceIdBytes)
        {
            return $"A presence id is 1 to {MaxPresenceIdBytes} bytes of UTF-8.";
        }
        foreach (char c in id)
        {
            if (char.IsControl(c))
            {
                return "A presence id has no control characters.";
            }
        }
        return null;
    }
}
