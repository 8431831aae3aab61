namespace Ws101.Tests.Connection;

/// <summary>
/// What keeps a timer's callback from running twice at once: one caller is inside at a time; any other is turned away at
/// once (never made to wait) until that one leaves, and then the next is let in.
/// </summary>
public class OverlapGuardTests
{
    [Fact]
    public async Task a_second_caller_is_turned_away_while_the_first_is_inside()
    {
        var owner = new Owner();
        Assert.True(owner.Guard.TryEnter());

        // From another thread, as a timer's next callback comes.
        Assert.False(await Task.Run(() => owner.Guard.TryEnter(), TestContext.Current.CancellationToken));
        Assert.False(owner.Guard.TryEnter());
    }

    [Fact]
    public async Task once_the_caller_inside_has_left_the_next_is_let_in()
    {
        var owner = new Owner();
        Assert.True(owner.Guard.TryEnter());
        owner.Guard.Exit();

        Assert.True(await Task.Run(() => owner.Guard.TryEnter(), TestContext.Current.CancellationToken));
        owner.Guard.Exit();
        Assert.True(owner.Guard.TryEnter());
    }

    /// <summary>The guard is a field of its owner (a struct): held here as the server and the heartbeat hold it.</summary>
    private sealed class Owner
    {
        public OverlapGuard Guard;
    }
}
