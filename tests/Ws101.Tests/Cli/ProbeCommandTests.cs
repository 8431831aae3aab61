using Ws101.Cli.Commands;

namespace Ws101.Tests.Cli;

/// <summary>
/// The probe's ping line. The first round trip of a process includes the runtime compiling its first send and read
/// (about 20 ms, against a fraction of a millisecond after), so the probe pings three times and reports the fastest,
/// each round trip beside it; a ping that fails stops the rest and says why. The subprotocol line says when the server
/// declined every subprotocol offered.
/// </summary>
public class ProbeCommandTests
{
    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void three_pongs_report_the_fastest_with_each_round_trip_beside_it()
    {
        string line = ProbeCommand.DescribePings([Ms(17.415), Ms(0.618), Ms(0.231)], failure: null);

        Assert.Equal("pong after 0.231 ms (the fastest of 3: 17.415, 0.618, 0.231 ms; the first includes this process's first send and read)", line);
    }

    [Fact]
    public void a_ping_that_fails_after_a_pong_keeps_the_pong_and_says_why_the_pings_stopped()
    {
        string line = ProbeCommand.DescribePings([Ms(2.5)], "no pong within 15 s");

        Assert.Equal("pong after 2.5 ms; then no pong within 15 s", line);
    }

    [Fact]
    public void a_first_ping_that_fails_is_reported_alone()
    {
        string line = ProbeCommand.DescribePings([], "the connection closed first, before the pong");

        Assert.Equal("the connection closed first, before the pong", line);
    }

    [Fact]
    public void a_subprotocol_the_server_chose_is_shown_as_it_is()
    {
        Assert.Equal("chat.v1", ProbeCommand.DescribeSubprotocol("chat.v1", ["chat.v2", "chat.v1"]));
    }

    [Fact]
    public void no_subprotocol_after_an_offer_says_the_server_declined_every_one_offered()
    {
        Assert.Equal("(none: the server chose none of those offered, chat.v2, chat.v1; a client that needs one closes the connection)",
            ProbeCommand.DescribeSubprotocol(null, ["chat.v2", "chat.v1"]));
        Assert.Equal("(none)", ProbeCommand.DescribeSubprotocol(null, []));
    }
}
