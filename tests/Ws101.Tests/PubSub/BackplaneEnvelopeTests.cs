using System.Text;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

public class BackplaneEnvelopeTests
{
    private static readonly Guid Node = Guid.Parse("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");

    [Fact]
    public void An_envelope_round_trips()
    {
        var bytes = BackplaneEnvelope.Encode(Node, 42, "prices.eur", WebSocketMessageKind.Text, "1.08"u8);
        Assert.Equal(BackplaneEnvelope.HeaderLength + 10 + 4, bytes.Length);
        Assert.True(BackplaneEnvelope.TryDecode(bytes, out var m, out var problem));
        Assert.Null(problem);
        Assert.Equal(Node, m.Node);
        Assert.Equal(42UL, m.Sequence);
        Assert.Equal("prices.eur", m.Topic);
        Assert.Equal(WebSocketMessageKind.Text, m.Kind);
        Assert.Equal("1.08", Encoding.UTF8.GetString(bytes.AsSpan(m.PayloadOffset)));
    }

    [Fact]
    public void A_binary_envelope_may_carry_any_bytes_and_an_empty_payload()
    {
        var bytes = BackplaneEnvelope.Encode(Node, 1, "t", WebSocketMessageKind.Binary, [0xFF, 0x00, 0xC3]);
        Assert.True(BackplaneEnvelope.TryDecode(bytes, out var m, out _));
        Assert.Equal(WebSocketMessageKind.Binary, m.Kind);
        Assert.True(BackplaneEnvelope.TryDecode(BackplaneEnvelope.Encode(Node, 1, "t", WebSocketMessageKind.Text, []), out _, out _));
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var good = BackplaneEnvelope.Encode(Node, 7, "topic", WebSocketMessageKind.Text, "hi"u8);
        byte[] With(int index, byte value)
        {
            var copy = (byte[])good.Clone();
            copy[index] = value;
            return copy;
        }
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "short", good[..29] },
            { "magic", With(0, 0x00) },
            { "version", With(1, 2) },
            { "flags", With(2, 0x80) },
            { "reserved", With(3, 1) },
            { "topic length zero", With(29, 0).Also(b => b[28] = 0) },
            { "topic length past the end", With(29, 200) },
            { "topic not utf8", With(BackplaneEnvelope.HeaderLength, 0xC3) },
            { "text not utf8", With(good.Length - 1, 0xFF) },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_envelope_is_refused_with_a_reason(string name, byte[] bytes)
    {
        Assert.False(BackplaneEnvelope.TryDecode(bytes, out _, out var problem), name);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(8);
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            if (bytes.Length > 2 && i % 2 == 0)
            {
                bytes[0] = BackplaneEnvelope.Magic;
                bytes[1] = BackplaneEnvelope.Version;
            }
            BackplaneEnvelope.TryDecode(bytes, out _, out _);
        }
    }

    [Fact]
    public void The_hub_counts_and_drops_malformed_envelopes_and_its_own_echoes_and_delivers_the_rest()
    {
        var topics = new WebSocketTopics(new WebSocketTopicsOptions { NodeId = Node });
        var listener = (IBackplaneListener)topics;
        var sub = new FakeSubscriber();
        topics.Subscribe(sub, "t");
        listener.OnMessage("t", [1, 2, 3]);
        listener.OnMessage("t", BackplaneEnvelope.Encode(Node, 1, "t", WebSocketMessageKind.Text, "mine"u8));
        listener.OnMessage("t", BackplaneEnvelope.Encode(Guid.NewGuid(), 1, "t", WebSocketMessageKind.Text, "theirs"u8));
        Assert.Equal("theirs", Encoding.UTF8.GetString(sub.Received.Single().Payload.Span));
        Assert.Equal(1, topics.Statistics.BackplaneMalformed);
        Assert.Equal(1, topics.Statistics.BackplaneReceived);
    }

    [Fact]
    public void A_remote_message_arriving_through_several_matching_subscriptions_reaches_each_subscriber_once()
    {
        var topics = new WebSocketTopics();
        var listener = (IBackplaneListener)topics;
        var exactAndWild = new FakeSubscriber();
        var twoPatterns = new FakeSubscriber();
        topics.Subscribe(exactAndWild, "a.b");
        topics.Subscribe(exactAndWild, "a.*");
        topics.Subscribe(twoPatterns, "a.*");
        topics.Subscribe(twoPatterns, "*");
        var envelope = BackplaneEnvelope.Encode(Guid.NewGuid(), 1, "a.b", WebSocketMessageKind.Text, "x"u8);
        // Redis hands the node one copy per matching subscription: the channel and each pattern.
        listener.OnMessage("a.b", envelope);
        listener.OnMessage("a.*", envelope);
        listener.OnMessage("*", envelope);
        Assert.Single(exactAndWild.Received);
        Assert.Single(twoPatterns.Received);
    }
}

internal static class ArrayExtensions
{
    public static byte[] Also(this byte[] bytes, Action<byte[]> change)
    {
        change(bytes);
        return bytes;
    }
}
