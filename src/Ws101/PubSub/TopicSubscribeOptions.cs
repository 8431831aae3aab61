namespace Ws101.PubSub;

/// <summary>How one connection subscribes to one topic (<see cref="WebSocketTopics.Subscribe(WebSocketConnection, string, TopicSubscribeOptions)"/>).</summary>
public sealed record TopicSubscribeOptions
{
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
