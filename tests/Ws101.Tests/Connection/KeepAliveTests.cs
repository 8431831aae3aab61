namespace Ws101.Tests.Connection;

/// <summary>The keepalive is a pure function of the time and of what the connection last did: no timer, no socket.</summary>
public class KeepAliveTests
{
    // 30 s between pings, 10 s for an answer, 30 s per send, 5 s to close (plus a second of grace); times in milliseconds.
    private static readonly KeepAlive Defaults = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));

    private static KeepAlive.Activity Quiet(long lastReceived, bool open = true) => new(lastReceived, 0, 0, 0, open);

    [Fact]
    public void a_connection_that_heard_from_its_peer_lately_needs_nothing()
    {
        Assert.Equal(KeepAlive.Action.None, Defaults.Decide(129_999, Quiet(100_000)).Action);
    }

    [Fact]
    public void after_the_interval_without_input_an_open_connection_pings()
    {
        var decision = Defaults.Decide(130_000, Quiet(100_000));
        Assert.Equal(KeepAlive.Action.Ping, decision.Action);
        Assert.Null(decision.Reason);
    }

    [Fact]
    public void a_closing_connection_is_not_pinged()
    {
        Assert.Equal(KeepAlive.Action.None, Defaults.Decide(200_000, Quiet(100_000, open: false)).Action);
    }

    [Fact]
    public void after_a_ping_the_peer_has_the_timeout_to_answer_then_it_is_dropped()
    {
        var waiting = new KeepAlive.Activity(100_000, PingSent: 130_000, 0, 0, true);
        Assert.Equal(KeepAlive.Action.None, Defaults.Decide(140_000, waiting).Action);
        var decision = Defaults.Decide(140_001, waiting);
        Assert.Equal(KeepAlive.Action.Drop, decision.Action);
        Assert.Equal("The peer sent nothing for 10 s after a keepalive ping.", decision.Reason);
    }

    [Fact]
    public void anything_received_answers_the_ping_and_the_interval_starts_again()
    {
        // The connection clears PingSent when bytes arrive; from then on only the interval counts.
        Assert.Equal(KeepAlive.Action.None, Defaults.Decide(150_000, Quiet(141_000)).Action);
    }

    [Fact]
    public void a_send_stuck_longer_than_the_send_timeout_drops_the_peer_even_with_keepalive_off()
    {
        var off = Defaults with { Interval = TimeSpan.Zero };
        var stuck = new KeepAlive.Activity(100_000, 0, SendStarted: 100_000, 0, true);
        Assert.Equal(KeepAlive.Action.None, off.Decide(130_000, stuck).Action);
        var decision = off.Decide(130_001, stuck);
        Assert.Equal(KeepAlive.Action.Drop, decision.Action);
        Assert.Equal("A send waited more than 30 s for the peer to read; the peer was dropped.", decision.Reason);
    }

    [Fact]
    public void a_closing_handshake_past_the_close_timeout_and_a_second_of_grace_drops_the_peer()
    {
        var closing = new KeepAlive.Activity(100_000, 0, 0, CloseStarted: 100_000, false);
        Assert.Equal(KeepAlive.Action.None, Defaults.Decide(106_000, closing).Action);
        Assert.Equal(KeepAlive.Action.Drop, Defaults.Decide(106_001, closing).Action);
    }

    [Fact]
    public void with_keepalive_off_a_silent_peer_is_never_pinged()
    {
        var off = Defaults with { Interval = TimeSpan.Zero };
        Assert.Equal(KeepAlive.Action.None, off.Decide(long.MaxValue / 2, Quiet(0)).Action);
    }

    [Fact]
    public void the_deadlines_come_from_the_connection_options()
    {
        var options = new WebSocketConnectionOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(2),
            SendTimeout = TimeSpan.FromSeconds(3),
            CloseTimeout = TimeSpan.FromSeconds(4),
        };
        Assert.Equal(new KeepAlive(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)), KeepAlive.For(options));
    }
}
