using Ws101.Redis;

namespace Ws101.Tests.PubSub;

/// <summary>The backlog's queue alone (no Redis): order, the byte bound (the newest refused) and the age bound (the oldest taken).</summary>
public class PublishBacklogBoundsTests
{
    private static HeldPublish Held(int length, long at, string topic = "t") => new(topic, new byte[length], null, at);

    [Fact]
    public void Publishes_come_out_oldest_first_and_the_bytes_follow()
    {
        var backlog = new PublishBacklog(TimeSpan.FromSeconds(10), 1000);
        Assert.True(backlog.TryAdd(Held(100, 0, "a")));
        Assert.True(backlog.TryAdd(Held(200, 1, "b")));
        Assert.Equal(2, backlog.Count);
        Assert.Equal(300, backlog.Bytes);
        Assert.True(backlog.TryPeek(out var first));
        Assert.Equal("a", first.Topic);
        backlog.RemoveFirst();
        Assert.True(backlog.TryPeek(out var second));
        Assert.Equal("b", second.Topic);
        backlog.RemoveFirst();
        Assert.Equal(0, backlog.Count);
        Assert.Equal(0, backlog.Bytes);
        Assert.False(backlog.TryPeek(out _));
    }

    [Fact]
    public void Beyond_the_byte_bound_the_newest_is_refused_and_what_is_held_stays()
    {
        var backlog = new PublishBacklog(TimeSpan.FromSeconds(10), 250);
        Assert.True(backlog.TryAdd(Held(100, 0, "a")));
        Assert.True(backlog.TryAdd(Held(150, 0, "b")));
        Assert.False(backlog.TryAdd(Held(1, 0, "c")));
        Assert.Equal(2, backlog.Count);
        Assert.Equal(250, backlog.Bytes);
        backlog.RemoveFirst();
        // Room again once something left.
        Assert.True(backlog.TryAdd(Held(100, 0, "d")));
    }

    [Fact]
    public void Only_publishes_older_than_the_age_bound_are_taken_and_oldest_first()
    {
        var backlog = new PublishBacklog(TimeSpan.FromMilliseconds(500), 1000);
        backlog.TryAdd(Held(10, 1000, "a"));
        backlog.TryAdd(Held(10, 1400, "b"));
        Assert.False(backlog.TryTakeExpired(1500, out _));
        Assert.True(backlog.TryTakeExpired(1501, out var expired));
        Assert.Equal("a", expired.Topic);
        Assert.False(backlog.TryTakeExpired(1501, out _));
        Assert.True(backlog.TryTakeExpired(1901, out expired));
        Assert.Equal("b", expired.Topic);
        Assert.Equal(0, backlog.Bytes);
    }

    [Fact]
    public void A_backlog_needs_a_positive_age_and_byte_bound()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PublishBacklog(TimeSpan.Zero, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PublishBacklog(TimeSpan.FromSeconds(1), 0));
        // The backplane checks its options the same way; the default is no backlog at all.
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisBackplane(new RedisBackplaneOptions { PublishBacklog = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisBackplane(new RedisBackplaneOptions { PublishBacklog = TimeSpan.FromSeconds(1), PublishBacklogBytes = 0 }));
        Assert.Equal(0, new RedisBackplane(new RedisBackplaneOptions()).HeldCount);
        Assert.Equal(TimeSpan.Zero, new RedisBackplaneOptions().PublishBacklog);
    }
}
