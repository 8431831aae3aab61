namespace Ws101;

/// <summary>
/// The connection's deadlines as a pure function of time: given the time now and what the connection last did, says
/// whether to do nothing, send a keepalive ping, or drop the peer, and why. The server's (or the shared) heartbeat
/// gives each connection the time about once a second; the connection asks this and acts.
/// </summary>
/// <param name="Interval">After this long without receiving anything, ping (<see cref="TimeSpan.Zero"/>: never).</param>
/// <param name="Timeout">After a keepalive ping, how long the peer may stay silent.</param>
/// <param name="SendTimeout">How long one send may wait for the peer to read.</param>
/// <param name="CloseTimeout">How long the closing handshake may take (a second of grace is added).</param>
internal readonly record struct KeepAlive(TimeSpan Interval, TimeSpan Timeout, TimeSpan SendTimeout, TimeSpan CloseTimeout)
{
    /// <summary>The deadlines of <paramref name="options"/>.</summary>
    public static KeepAlive For(WebSocketConnectionOptions options) =>
        new(options.KeepAliveInterval, options.KeepAliveTimeout, options.SendTimeout, options.CloseTimeout);

    /// <summary>What to do at <paramref name="now"/> (milliseconds, the clock of <see cref="Activity"/>).</summary>
    public Decision Decide(long now, in Activity activity)
    {
        if (activity.SendStarted != 0 && now - activity.SendStarted > (long)SendTimeout.TotalMilliseconds)
        {
            return Decision.Drop($"A send waited more than {SendTimeout.TotalSeconds:0} s for the peer to read; the peer was dropped.");
        }
        if (activity.CloseStarted != 0 && now - activity.CloseStarted > (long)CloseTimeout.TotalMilliseconds + 1000)
        {
            return Decision.Drop("The closing handshake did not finish within the close timeout.");
        }
        if (Interval <= TimeSpan.Zero)
        {
            return default;
        }
        if (activity.PingSent != 0)
        {
            // RFC 6455 §5.5.2: a ping "may serve either as a keepalive or as a means to verify that the remote endpoint is
            // still responsive"; anything received since the ping counts as an answer (it clears PingSent).
            return now - activity.PingSent > (long)Timeout.TotalMilliseconds
                ? Decision.Drop($"The peer sent nothing for {Timeout.TotalSeconds:0} s after a keepalive ping.")
                : default;
        }
        return activity.Open && now - activity.LastReceived >= (long)Interval.TotalMilliseconds ? new Decision(Action.Ping, null) : default;
    }

    /// <summary>What the connection last did, in milliseconds of one clock (0: not now).</summary>
    /// <param name="LastReceived">When bytes last arrived (to the heartbeat's precision: the first heartbeat after they did).</param>
    /// <param name="PingSent">When the unanswered keepalive ping went out, or 0.</param>
    /// <param name="SendStarted">When the send now in progress started waiting for the peer to read, or 0.</param>
    /// <param name="CloseStarted">When this side started the closing handshake, or 0.</param>
    /// <param name="Open">Whether the connection is open (no close frame sent or received).</param>
    public readonly record struct Activity(long LastReceived, long PingSent, long SendStarted, long CloseStarted, bool Open);

    /// <summary>What to do, and for a drop, the reason the application will see with 1006.</summary>
    public readonly record struct Decision(Action Action, string? Reason)
    {
        public static Decision Drop(string reason) => new(Action.Drop, reason);
    }

    /// <summary>Nothing, a keepalive ping, or dropping the peer.</summary>
    public enum Action : byte
    {
        None,
        Ping,
        Drop,
    }
}
