namespace Ws101.Protocol;

/// <summary>
/// Where the connection stands in the closing handshake (RFC 6455 §7). The protocol core moves through
/// these states only forward: <see cref="Open"/> → <see cref="CloseSent"/> or <see cref="CloseReceived"/>
/// → <see cref="Closed"/>.
/// </summary>
public enum ConnectionState
{
    /// <summary>Data may flow both ways; no close frame was sent or received.</summary>
    Open,

    /// <summary>
    /// This endpoint wrote a close frame and waits for the peer's. No more data frames may be sent
    /// (§5.5.1); frames the peer sends meanwhile are still received.
    /// </summary>
    CloseSent,

    /// <summary>
    /// The peer's close frame arrived and the reply is queued as pending output, not yet handed to
    /// the transport. Nothing more is read.
    /// </summary>
    CloseReceived,

    /// <summary>
    /// Both close frames were exchanged, the connection was failed, or the transport ended. Nothing more
    /// is sent or received; see <see cref="WebSocketConnectionCore.ShouldCloseTransport"/> for the TCP side.
    /// </summary>
    Closed,
}
