using System.Buffers;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// RFC 6455 §5.4 (fragmentation) from the application's side: a message taken piece by piece without being buffered whole.
[Collection(ProtocolCollection.Name)]
public class StreamingTests
{
    private static readonly ProtocolOptions Streaming = new() { ReceiveMode = ReceiveMode.Streaming, MaxMessageSize = long.MaxValue };

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void streams_a_message_as_its_bytes_arrive_and_the_pieces_join_to_the_message(WebSocketRole role)
    {
        // RFC 6455 §5.4: "a receiver ... can process the fragments as they arrive".
        byte[] payload = new byte[100_000];
        new Random(5).NextBytes(payload);
        byte[] wire = Wire.Concat(Wire.Binary(role, payload[..60_000], fin: false), Wire.Continuation(role, payload[60_000..], fin: true));
        Driver d = new Driver(role, Streaming).Feed(wire, [8192]);
        Assert.Equal([Seen.Binary(payload)], d.Events);
        Assert.True(d.FragmentEvents >= 12, $"{d.FragmentEvents} fragments"); // one per read at least
        Assert.True(d.Unconsumed == 0);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void streamed_text_is_validated_as_it_arrives_including_code_points_across_reads(WebSocketRole role)
    {
        // RFC 6455 §8.1 with streaming: every piece delivered is valid so far, a split code point is fine.
        byte[] text = Wire.Utf8(string.Concat(Enumerable.Repeat("κόσμε 𝄞 ", 500)));
        Driver d = Conformance.Run(role, Wire.Text(role, text), Streaming);
        Assert.Equal([Seen.Message(WebSocketMessageKind.Text, text)], d.Events);
        Driver bad = new Driver(role, Streaming).Feed(Wire.Text(role, Wire.Concat(text, [0xC0, 0x80])), [333]);
        Conformance.AssertFailed(bad, CloseCode.InvalidPayloadData);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void streamed_pieces_point_into_the_transport_buffer_without_copying(WebSocketRole role)
    {
        // Zero-copy delivery: the payload is the caller's memory, unmasked in place.
        var core = new WebSocketConnectionCore(role, Streaming);
        byte[] wire = Wire.Binary(role, [1, 2, 3, 4, 5]);
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(ev.Payload.First, out ArraySegment<byte> segment));
        Assert.Same(wire, segment.Array);
        Assert.Equal([1, 2, 3, 4, 5], ev.Payload.ToArray());
        Assert.True(ev.EndOfMessage);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_whole_unfragmented_message_within_one_read_is_delivered_in_place(WebSocketRole role)
    {
        // The common case of whole-message mode is zero-copy too.
        var core = new WebSocketConnectionCore(role);
        byte[] wire = Wire.Text(role, "in place");
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(ev.Payload.First, out ArraySegment<byte> segment));
        Assert.Same(wire, segment.Array);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void control_frames_between_streamed_pieces_arrive_in_order(WebSocketRole role)
    {
        // RFC 6455 §5.4: control frames may come between fragments.
        byte[] wire = Wire.Concat(Wire.Text(role, "abc", fin: false), Wire.Pong(role, [9]), Wire.Continuation(role, "def", fin: true));
        Driver d = Conformance.Run(role, wire, Streaming);
        Assert.Equal([Seen.Pong([9]), Seen.Text("abcdef")], d.Events);
    }
}
