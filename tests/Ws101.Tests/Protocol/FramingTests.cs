using System.Text;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 1 (framing) and the masking rules, from RFC 6455 §5.1-§5.3 and §5.6.
[Collection(ProtocolCollection.Name)]
public class FramingTests
{
    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void receives_text_and_binary_messages_of_every_length_encoding(WebSocketRole role)
    {
        // Autobahn 1.1.1-1.1.6 and 1.2.1-1.2.6; RFC 6455 §5.2 (7-, 16- and 64-bit lengths).
        foreach (int length in new[] { 0, 125, 126, 127, 128, 65535, 65536 })
        {
            byte[] payload = new byte[length];
            new Random(length).NextBytes(payload);
            string text = new('*', length);
            Driver d = new Driver(role).Feed(Wire.Concat(Wire.Text(role, text), Wire.Binary(role, payload)));
            Assert.Equal([Seen.Text(text), Seen.Binary(payload)], d.Events);
            Assert.Equal(0, d.Output.WrittenCount);
            Assert.Equal(0, d.Unconsumed);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void receives_a_64_kib_message_chopped_into_997_byte_pieces(WebSocketRole role)
    {
        // Autobahn 1.1.7-1.1.8 and 1.2.7-1.2.8; RFC 6455 §5.2: how the bytes are read does not change the frame.
        byte[] payload = new byte[65536];
        new Random(1).NextBytes(payload);
        Driver d = new Driver(role).Feed(Wire.Binary(role, payload), [997]);
        Assert.Equal([Seen.Binary(payload)], d.Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void an_incomplete_frame_produces_nothing_and_waits(WebSocketRole role)
    {
        // RFC 6455 §5.2: a frame is complete only when its declared payload has arrived; truncated input is not an error.
        byte[] frame = Wire.Text(role, "Hello, world");
        for (int cut = 0; cut < frame.Length; cut++)
        {
            Driver d = new Driver(role).Feed(frame[..cut]);
            Assert.Empty(d.Events);
            Assert.Equal(ConnectionState.Open, d.Core.State);
            Assert.False(d.Core.HasPendingOutput);
        }
    }

    [Fact]
    public void a_server_fails_the_connection_on_an_unmasked_frame()
    {
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a frame that is not masked ... with a
        // status code of 1002".
        Driver d = Conformance.Run(WebSocketRole.Server, Wire.Frame(WebSocketRole.Server, 0x81, Wire.Utf8("hi"), masked: false));
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
    }

    [Fact]
    public void a_client_fails_the_connection_on_a_masked_frame()
    {
        // RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame ... with a status code of 1002".
        Driver d = Conformance.Run(WebSocketRole.Client, Wire.Frame(WebSocketRole.Client, 0x81, Wire.Utf8("hi"), masked: true));
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_64_bit_length_with_the_top_bit_set_with_1002(WebSocketRole role)
    {
        // RFC 6455 §5.2: in the 64-bit length "the most significant bit MUST be 0".
        byte[] frame = Wire.Frame(role, 0x82, [], lengthBits: 64, declaredLength: 0x8000_0000_0000_0005);
        Driver d = Conformance.Run(role, frame);
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void accepts_a_non_minimal_length_encoding(WebSocketRole role)
    {
        // RFC 6455 §5.2: the minimal encoding is the sender's duty; the length is still unambiguous.
        byte[] frame = Wire.Frame(role, 0x81, Wire.Utf8("abc"), lengthBits: 64);
        Assert.Equal([Seen.Text("abc")], Conformance.Run(role, frame).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void ignores_everything_after_a_protocol_error(WebSocketRole role)
    {
        // RFC 6455 §7.1.7: once failed, the endpoint does not process further data.
        byte[] wire = Wire.Concat(Wire.Frame(role, 0x83, []), Wire.Text(role, "after"), Wire.Ping(role));
        Driver d = Conformance.Run(role, wire);
        Assert.Single(d.Events);
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
        Assert.Single(d.OutputFrames);
        Assert.Equal(0, d.Unconsumed);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void the_span_entry_point_reports_what_it_consumed(WebSocketRole role)
    {
        // RFC 6455 §5.2, through the contiguous-buffer overload.
        byte[] wire = Wire.Concat(Wire.Text(role, "one"), Wire.Text(role, "two"));
        var core = new WebSocketConnectionCore(role);
        Memory<byte> buffer = wire.AsMemory(0, wire.Length - 1);
        Assert.True(core.TryReceive(buffer, out int consumed, out ProtocolEvent ev));
        Assert.Equal("one", Encoding.UTF8.GetString(ev.Payload));
        Assert.False(core.TryReceive(buffer[consumed..], out int more, out _));
        // The second frame's header and the payload bytes that came were consumed (copied for reassembly).
        Assert.Equal(wire.Length - 1 - consumed, more);
        buffer = wire.AsMemory(consumed + more);
        Assert.True(core.TryReceive(buffer, out int last, out ev));
        Assert.Equal(1, last);
        Assert.Equal("two", Encoding.UTF8.GetString(ev.Payload));
    }
}
