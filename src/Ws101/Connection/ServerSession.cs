namespace Ws101;

/// <summary>What the server keeps on a connection it serves: the connection's slot in its table of sessions, and when the session opened.</summary>
internal struct ServerSession
{
    /// <summary>The slot in the server's <c>SlotTable</c> of sessions.</summary>
    public int Slot;

    /// <summary>When the session opened (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>): the connection-duration metric.</summary>
    public long Opened;
}
