namespace Ws101;

/// <summary>
/// What the server keeps on a connection it serves: the connection's slot in its table of sessions, when the session
/// opened, and, on a route served by a message handler on the event loop, the route's pump and whether the handler failed.
/// </summary>
internal struct ServerSession
{
    /// <summary>The route's pump that drives this connection's message handler, or null (a receive loop's route, a client).</summary>
    public MessagePump? Pump;

    /// <summary>When the session opened (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>): the connection-duration metric.</summary>
    public long Opened;

    /// <summary>The slot in the server's <c>SlotTable</c> of sessions.</summary>
    public int Slot;

    /// <summary>Set by the pump once a handler callback failed: the close is on its way, and the handler gets no more messages.</summary>
    public bool HandlerFailed;
}
