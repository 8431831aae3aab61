namespace Ws101.Protocol;

/// <summary>What a <see cref="ProtocolEvent"/> reports.</summary>
public enum ProtocolEventKind
{
    /// <summary>No event: the default value, left in the <c>out</c> argument when <c>TryReceive</c> returns false.</summary>
    None,

    /// <summary>A whole data message (<see cref="ReceiveMode.WholeMessages"/>).</summary>
    Message,

    /// <summary>The next bytes of a data message (<see cref="ReceiveMode.Streaming"/>); may be empty.</summary>
    Fragment,

    /// <summary>A ping arrived (only when <see cref="ProtocolOptions.SurfacePings"/> or not <see cref="ProtocolOptions.AutoPong"/>).</summary>
    Ping,

    /// <summary>A pong arrived, solicited or not (§5.5.3: an unsolicited pong needs no response).</summary>
    Pong,

    /// <summary>
    /// The peer's close frame arrived: <see cref="ProtocolEvent.CloseStatus"/> and <see cref="ProtocolEvent.CloseReason"/>
    /// say what the application should see (1005 when the frame carried no code). If this endpoint had not sent a
    /// close, the reply is now pending output.
    /// </summary>
    Close,

    /// <summary>
    /// The peer broke the protocol and the connection was failed (§7.1.7): <see cref="ProtocolEvent.CloseStatus"/>
    /// is 1002, 1007 or 1009, <see cref="ProtocolEvent.CloseReason"/> says why, and a close frame with that code is
    /// pending output unless one was already sent. No further events follow.
    /// </summary>
    Error,
}
