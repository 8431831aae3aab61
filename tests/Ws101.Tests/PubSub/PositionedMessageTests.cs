using System.Text;
using Ws101.Cli.Serve;
using Ws101.Client;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>The wire pieces of history and recovery: the positioned envelope, the JSON frames, positions and the query.</summary>
public class PositionedMessageTests
{
    [Fact]
    public void An_envelope_carries_a_position_after_its_header_and_still_decodes_topic_kind_and_payload()
    {
        var node = Guid.NewGuid();
        var plain = BackplaneEnvelope.Encode(node, 7, "room", WebSocketMessageKind.Text, "hello"u8);
        var positioned = BackplaneEnvelope.WithPosition(plain, "1718000000000-3");
        Assert.True(BackplaneEnvelope.TryDecode(positioned, out var message, out var problem), problem);
        Assert.Equal((node, 7UL, "room", WebSocketMessageKind.Text, "1718000000000-3"), (message.Node, message.Sequence, message.Topic, message.Kind, message.Position));
        Assert.Equal("hello", Encoding.UTF8.GetString(positioned.AsSpan(message.PayloadOffset)));
        Assert.True(BackplaneEnvelope.TryDecode(plain, out var without, out _));
        Assert.Null(without.Position);
        Assert.Throws<ArgumentException>(() => BackplaneEnvelope.WithPosition(positioned, "1-1"));
        Assert.Throws<ArgumentException>(() => BackplaneEnvelope.WithPosition(plain, "not-a-position"));
    }

    [Fact]
    public void A_malformed_position_in_an_envelope_is_refused_with_a_reason()
    {
        var positioned = BackplaneEnvelope.WithPosition(BackplaneEnvelope.Encode(Guid.NewGuid(), 1, "t", WebSocketMessageKind.Binary, [1, 2]), "5-5");
        var tooLong = (byte[])positioned.Clone();
        tooLong[BackplaneEnvelope.HeaderLength] = 200;
        var notNumbers = (byte[])positioned.Clone();
        notNumbers[BackplaneEnvelope.HeaderLength + 1] = (byte)'x';
        var nonAscii = (byte[])positioned.Clone();
        nonAscii[BackplaneEnvelope.HeaderLength + 1] = 0xC3;
        foreach (var bad in new[] { tooLong, notNumbers, nonAscii, positioned[..(BackplaneEnvelope.HeaderLength + 2)] })
        {
            Assert.False(BackplaneEnvelope.TryDecode(bad, out _, out var problem));
            Assert.NotNull(problem);
        }
    }

    [Theory]
    [InlineData("""{"position":"1-0","data":"hi \u00e9"}""", "1-0", "hi \u00e9", null, 0)]
    [InlineData("""{"recovered": true, "missed": 12}""", null, null, true, 12)]
    [InlineData("""{"recovered":false}""", null, null, false, 0)]
    public void The_four_frames_read_back(string json, string? position, string? text, bool? recovered, int missed)
    {
        Assert.True(PositionedMessage.TryRead(Encoding.UTF8.GetBytes(json), out var frame));
        Assert.Equal(new PositionedMessage(position, text, null, recovered, missed), frame);
    }

    [Fact]
    public void What_the_server_frames_is_what_the_client_reads_binary_as_base64()
    {
        using var text = PositionedFrames.Message("9-1", WebSocketMessageKind.Text, "caf\u00e9 \"quoted\""u8.ToArray());
        using var binary = PositionedFrames.Message("9-2", WebSocketMessageKind.Binary, [0, 1, 255]);
        using var recovered = PositionedFrames.Recovered(3);
        using var lost = PositionedFrames.NotRecovered();
        Assert.True(PositionedMessage.TryRead(text.Payload.Span, out var t));
        Assert.Equal("caf\u00e9 \"quoted\"", t.Text);
        Assert.True(PositionedMessage.TryRead(binary.Payload.Span, out var b));
        Assert.Equal(new byte[] { 0, 1, 255 }, b.Binary);
        Assert.Equal("""{"position":"9-2","base64":"AAH/"}""", Encoding.UTF8.GetString(binary.Payload.Span));
        Assert.True(PositionedMessage.TryRead(recovered.Payload.Span, out var r) && r.Missed == 3);
        Assert.True(PositionedMessage.TryRead(lost.Payload.Span, out var l) && l.Recovered is false);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"position":"1-0"}""")]
    [InlineData("""{"position":"1-0","data":"a","base64":"AA=="}""")]
    [InlineData("""{"recovered":true,"position":"1-0"}""")]
    [InlineData("""{"recovered":false,"missed":2}""")]
    [InlineData("""{"data":"a","colour":"blue"}""")]
    [InlineData("""{"position":"1-0","base64":"not base64!"}""")]
    [InlineData("""{"recovered":true,"missed":-1}""")]
    [InlineData("""{"position":"1-0","data":"unterminated""")]
    public void Anything_else_is_not_a_positioned_frame(string json)
    {
        Assert.False(PositionedMessage.TryRead(Encoding.UTF8.GetBytes(json), out _));
    }

    [Fact]
    public void Positions_order_by_their_two_numbers()
    {
        Assert.True(TopicPosition.TryParse("1718000000000-10", out var a));
        Assert.True(TopicPosition.TryParse("1718000000000-9", out var b));
        Assert.True(TopicPosition.TryParse("1718000000001-0", out var c));
        Assert.True(b < a && a < c);
        Assert.Equal("1718000000000-10", a.ToString());
        foreach (var bad in new[] { "", "-", "1-", "-1", "1", "a-1", "1-1-1", "+1-1", "18446744073709551616-0" })
        {
            Assert.False(TopicPosition.TryParse(bad, out _), bad);
        }
    }

    [Fact]
    public void Reconnecting_puts_the_last_position_in_the_query_in_place_of_an_earlier_one()
    {
        Assert.Equal("ws://h:1/topic/room?positions=1&since=5-2", ReconnectingWebSocket.WithSince(new Uri("ws://h:1/topic/room?positions=1"), "5-2").ToString());
        Assert.Equal("ws://h:1/topic/room?id=a&since=5-2", ReconnectingWebSocket.WithSince(new Uri("ws://h:1/topic/room?since=0-0&id=a"), "5-2").ToString());
    }

    [Theory]
    [InlineData("positions=1", null, true, null)]
    [InlineData("since=12-3&id=alice", "alice", true, "12-3")]
    [InlineData("id=b%C3%A9a&positions=0", "b\u00e9a", false, null)]
    public void The_topic_query_reads_id_positions_and_since(string query, string? id, bool positions, string? since)
    {
        Assert.Equal(new TopicQuery(id, positions, since), TopicQuery.Parse(query, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("since=abc")]
    [InlineData("positions=yes")]
    [InlineData("id=")]
    [InlineData("topic=x")]
    public void A_wrong_topic_query_is_refused_with_a_reason(string query)
    {
        TopicQuery.Parse(query, out var problem);
        Assert.NotNull(problem);
    }
}
