using System.Text;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

public class WebSocketTopicsTests
{
    [Fact]
    public void A_publish_is_framed_once_and_the_same_buffer_goes_to_every_subscriber()
    {
        var topics = new WebSocketTopics();
        var subs = Enumerable.Range(0, 50).Select(_ => new FakeSubscriber()).ToArray();
        foreach (var s in subs)
        {
            topics.Subscribe(s, "room");
        }
        int delivered = topics.Publish("room", "hello");
        Assert.Equal(50, delivered);
        var first = subs[0].Received.Single();
        Assert.All(subs, s => Assert.Same(first, s.Received.Single()));
        // An unmasked server text frame: FIN + opcode 1, length 5, then the payload.
        Assert.Equal(new byte[] { 0x81, 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, first.Frame.ToArray());
        Assert.Equal(1, topics.Statistics.Published);
        Assert.Equal(50, topics.Statistics.Delivered);
    }

    [Fact]
    public void Exact_names_only_reach_their_own_subscribers()
    {
        var topics = new WebSocketTopics();
        var a = new FakeSubscriber();
        var b = new FakeSubscriber();
        topics.Subscribe(a, "a");
        topics.Subscribe(b, "b");
        topics.Publish("a", "1");
        topics.Publish("c", "2");
        Assert.Single(a.Received);
        Assert.Empty(b.Received);
    }

    [Fact]
    public void A_trailing_wildcard_matches_longer_names_and_each_subscriber_gets_a_message_once()
    {
        var topics = new WebSocketTopics();
        var wild = new FakeSubscriber();
        var both = new FakeSubscriber();
        var all = new FakeSubscriber();
        topics.Subscribe(wild, "prices.*");
        topics.Subscribe(both, "prices.*");
        topics.Subscribe(both, "prices.eur");
        topics.Subscribe(all, "*");
        topics.Publish("prices.eur", "1");
        topics.Publish("prices.usd.spot", "2");
        topics.Publish("prices", "3");
        topics.Publish("pricesX", "4");
        Assert.Equal(2, wild.Received.Count);
        Assert.Equal(2, both.Received.Count);
        Assert.Equal(4, all.Received.Count);
    }

    [Fact]
    public void The_publisher_can_be_left_out()
    {
        var topics = new WebSocketTopics();
        var a = new FakeSubscriber();
        var b = new FakeSubscriber();
        topics.Subscribe(a, "t");
        topics.Subscribe(b, "t");
        Assert.Equal(1, topics.PublishCore("t", PreparedMessage.CreateText("x"), a, fromBackplane: false));
        Assert.Empty(a.Received);
        Assert.Single(b.Received);
    }

    [Fact]
    public void Unsubscribe_and_the_end_of_a_subscriber_remove_its_subscriptions()
    {
        var topics = new WebSocketTopics();
        var a = new FakeSubscriber();
        var b = new FakeSubscriber();
        Assert.True(topics.Subscribe(a, "t"));
        Assert.False(topics.Subscribe(a, "t"));
        topics.Subscribe(a, "u.*");
        topics.Subscribe(b, "t");
        Assert.True(topics.Unsubscribe(b, "t"));
        Assert.False(topics.Unsubscribe(b, "t"));
        a.End();
        Assert.Equal(0, topics.GetSubscriberCount("t"));
        Assert.Equal(0, topics.GetSubscriberCount("u.*"));
        Assert.Equal(0, topics.Publish("t", "x"));
        Assert.Equal(0, topics.Publish("u.v", "x"));
    }

    [Fact]
    public void A_slow_subscriber_is_skipped_and_counted_while_the_others_get_the_message()
    {
        var topics = new WebSocketTopics();
        var fast = new FakeSubscriber();
        var slow = new FakeSubscriber { Answer = EnqueueResult.Full };
        topics.Subscribe(slow, "t");
        topics.Subscribe(fast, "t");
        topics.Publish("t", "x");
        Assert.Single(fast.Received);
        Assert.Null(slow.ClosedTooSlow);
        Assert.Equal(1, topics.Statistics.SkippedSlow);
    }

    [Fact]
    public void A_topic_set_to_close_closes_a_slow_subscriber_with_a_reason()
    {
        var topics = new WebSocketTopics();
        topics.Configure("strict", new TopicOptions { SlowSubscriber = SlowSubscriberPolicy.Close, MaxQueuedBytes = 1000 });
        var fast = new FakeSubscriber();
        var slow = new FakeSubscriber { Answer = EnqueueResult.Full };
        topics.Subscribe(slow, "strict");
        topics.Subscribe(fast, "strict");
        topics.Publish("strict", "x");
        Assert.Single(fast.Received);
        Assert.Contains("1000 bytes", slow.ClosedTooSlow);
        Assert.Equal(1, topics.Statistics.ClosedSlow);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a*b")]
    [InlineData("**")]
    public void Bad_subscription_names_are_refused(string name)
    {
        var topics = new WebSocketTopics();
        Assert.ThrowsAny<ArgumentException>(() => topics.Subscribe(new FakeSubscriber(), name));
    }

    [Fact]
    public void A_topic_name_is_at_most_1024_bytes_of_utf8()
    {
        var topics = new WebSocketTopics();
        Assert.True(topics.Subscribe(new FakeSubscriber(), new string('a', 1024)));
        Assert.Throws<ArgumentException>(() => topics.Publish(new string('é', 600), "x"));
    }

    [Fact]
    public void Publishing_to_a_pattern_is_refused()
    {
        var topics = new WebSocketTopics();
        Assert.Throws<ArgumentException>(() => topics.Publish("prices.*", "x"));
    }

    [Fact]
    public void A_text_payload_must_be_utf8()
    {
        var topics = new WebSocketTopics();
        Assert.Throws<ArgumentException>(() => topics.Publish("t", new byte[] { 0xC3 }, WebSocketMessageKind.Text));
    }

    [Fact]
    public void Prepared_bytes_go_back_to_the_pool_once_every_reference_is_released()
    {
        var message = PreparedMessage.Create(Encoding.UTF8.GetBytes("abc"), WebSocketMessageKind.Text);
        Assert.True(message.TryAddReference());
        message.Dispose();
        Assert.Equal(1, message.ReferenceCount);
        Assert.Equal(3, message.Payload.Length);
        message.Release();
        Assert.False(message.TryAddReference());
        Assert.Throws<ObjectDisposedException>(() => message.Frame);
    }

    [Fact]
    public void Large_payloads_get_the_16_and_64_bit_length_forms()
    {
        using var mid = PreparedMessage.Create(new byte[300]);
        Assert.Equal(new byte[] { 0x82, 126, 1, 44 }, mid.Frame[..4].ToArray());
        using var big = PreparedMessage.Create(new byte[70_000]);
        Assert.Equal(0x82, big.Frame.Span[0]);
        Assert.Equal(127, big.Frame.Span[1]);
        Assert.Equal(10 + 70_000, big.FrameLength);
    }
}

public class TopicMetricsTests
{
    [Fact]
    public void Publishes_deliveries_and_drops_are_counted_on_the_Ws101_meter()
    {
        using var recorder = new Ws101.Tests.Diagnostics.MetricRecorder();
        var topics = new WebSocketTopics();
        var fast = new FakeSubscriber();
        var slow = new FakeSubscriber { Answer = EnqueueResult.Full };
        topics.Subscribe(fast, "m");
        topics.Subscribe(slow, "m");
        topics.Publish("m", "1");
        topics.Publish("m", "2");
        // Other tests may publish meanwhile: at least ours are there.
        Assert.True(recorder.Get("ws101.topics.publishes") >= 2);
        Assert.True(recorder.Get("ws101.topics.deliveries") >= 2);
        Assert.True(recorder.Get("ws101.topics.drops[reason=slow]") >= 2);
    }
}
