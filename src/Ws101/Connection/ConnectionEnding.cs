namespace Ws101;

/// <summary>How a <see cref="WebSocketConnection"/> ends, which decides what happens to its transport.</summary>
internal enum ConnectionEnding : byte
{
    /// <summary>After the closing handshake: close TCP.</summary>
    Closed,

    /// <summary>
    /// After a failure the core reported (§7.1.7): half-close, and close TCP once the peer has closed too or the
    /// drain reached its bounds (<see cref="Transport.LingeringClose"/>), so that the close frame that says why is not reset away.
    /// </summary>
    Failed,

    /// <summary>The transport ended under a read or a write: the core learns it (1006 unless a close came first).</summary>
    TransportEnded,

    /// <summary>This side drops the connection: reset TCP, and report why.</summary>
    Aborted,
}
