using Ws101.Client;

namespace Ws101;

/// <summary>When and how fast <see cref="ReconnectingWebSocket"/> reconnects.</summary>
public sealed record ReconnectOptions
{
    /// <summary>The first wait before reconnecting. Default 250 ms.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between attempts; each failed attempt doubles the wait up to this. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many attempts in a row before giving up (the receive then returns the close that ended the connection).
    /// Default unlimited (0).
    /// </summary>
    public int MaxAttempts { get; init; }

    /// <summary>
    /// Resume a positioned topic subscription (<c>ws101 serve</c>'s <c>/topic/NAME?positions=1</c>, or any endpoint that
    /// sends <see cref="PositionedMessage"/> frames): the socket remembers the position of the last message
    /// received (<see cref="ReconnectingWebSocket.LastPosition"/>) and reconnects with <c>since=</c> that position in the
    /// query, so that the server first sends <c>{"recovered": ...}</c> and the missed messages. Default false.
    /// </summary>
    public bool ResumeTopic { get; init; }

    /// <summary>
    /// Whether a connection that ended with this status is reopened. Default: on 1001 (going away: a restart) and
    /// 1006 (dropped: network loss), never on 1000 (the peer meant to close) or on refusals like 1008.
    /// </summary>
    public Func<CloseCode?, bool> ShouldReconnect { get; init; } =
        status => status is CloseCode.GoingAway or CloseCode.AbnormalClosure or null;
}
