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
    /// Whether a connection that ended with this status is reopened. Default: on 1001 (going away: a restart) and
    /// 1006 (dropped: network loss), never on 1000 (the peer meant to close) or on refusals like 1008.
    /// </summary>
    public Func<CloseCode?, bool> ShouldReconnect { get; init; } =
        status => status is CloseCode.GoingAway or CloseCode.AbnormalClosure or null;
}
