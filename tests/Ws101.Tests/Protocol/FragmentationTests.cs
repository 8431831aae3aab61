using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 5 (fragmentation), from RFC 6455 §5.4.
[Collection(ProtocolCollection.Name)]
public class FragmentationTests
{
    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_fragmented_ping_with_1002(WebSocketRole role)
    {
        // Autobahn 5.1; RFC 6455 §5.5: control frames "MUST NOT be fragmented".
        byte[] wire = Wire.Concat(Wire.Frame(role, 0x9, Wire.Utf8("frag1")), Wire.Continuation(role, "frag2", fin: true));
        Conformance.AssertFailed(Conformance.Run(role, wire), CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_fragmented_pong_and_a_fragmented_close_with_1002(WebSocketRole role)
    {
        // Autobahn 5.2; RFC 6455 §5.5.
        Conformance.AssertFailed(Conformance.Run(role, Wire.Frame(role, 0xA, [1])), CloseCode.ProtocolError);
        Conformance.AssertFailed(Conformance.Run(role, Wire.Frame(role, 0x8, Wire.ClosePayload(1000, []))), CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void reassembles_a_text_message_in_two_fragments(WebSocketRole role)
    {
        // Autobahn 5.3-5.5; RFC 6455 §5.4: "a single frame with the FIN bit clear and an opcode other than 0, followed
        // by ... a single frame with the FIN bit set and an opcode of 0".
        byte[] wire = Wire.Concat(Wire.Text(role, "fragment1", fin: false), Wire.Continuation(role, "fragment2", fin: true));
        Assert.Equal([Seen.Text("fragment1fragment2")], Conformance.Run(role, wire).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void delivers_a_ping_between_fragments_and_answers_it_before_the_message_ends(WebSocketRole role)
    {
        // Autobahn 5.6-5.8; RFC 6455 §5.4: "Control frames ... MAY be injected in the middle of a fragmented message."
        byte[] wire = Wire.Concat(
            Wire.Text(role, "fragment1", fin: false),
            Wire.Ping(role, Wire.Utf8("ping payload")),
            Wire.Continuation(role, "fragment2", fin: true));
        Driver d = Conformance.Run(role, wire, new ProtocolOptions { SurfacePings = true });
        Assert.Equal([Seen.Ping(Wire.Utf8("ping payload")), Seen.Text("fragment1fragment2")], d.Events);
        Assert.Equal([Conformance.Pong(Wire.Utf8("ping payload"))], Conformance.Output(d));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_continuation_with_no_message_started_with_1002(WebSocketRole role)
    {
        // Autobahn 5.9-5.14; RFC 6455 §5.4: a continuation frame only continues a message begun by a text or binary frame.
        foreach (bool fin in new[] { true, false })
        {
            byte[] wire = Wire.Concat(Wire.Continuation(role, "non-continuation payload", fin), Wire.Text(role, "Hello, world!"));
            Driver d = Conformance.Run(role, wire);
            Assert.Single(d.Events);
            Conformance.AssertFailed(d, CloseCode.ProtocolError);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_continuation_after_a_finished_message_with_1002(WebSocketRole role)
    {
        // Autobahn 5.15-5.17; RFC 6455 §5.4: after the FIN frame the message is over.
        byte[] wire = Wire.Concat(
            Wire.Text(role, "fragment1", fin: false),
            Wire.Continuation(role, "fragment2", fin: true),
            Wire.Continuation(role, "fragment3", fin: false),
            Wire.Continuation(role, "fragment4", fin: true));
        Driver d = Conformance.Run(role, wire);
        Assert.Equal(Seen.Text("fragment1fragment2"), d.Events[0]);
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_new_data_frame_inside_an_unfinished_message_with_1002(WebSocketRole role)
    {
        // Autobahn 5.18; RFC 6455 §5.4: "the fragments of one message MUST NOT be interleaved between the fragments of
        // another message unless an extension has been negotiated that can interpret the interleaving".
        foreach (int opcode in new[] { 0x1, 0x2 })
        {
            byte[] wire = Wire.Concat(Wire.Text(role, "fragment1", fin: false), Wire.Frame(role, Wire.Fin | opcode, Wire.Utf8("fragment2")));
            Driver d = Conformance.Run(role, wire);
            Assert.Single(d.Events);
            Conformance.AssertFailed(d, CloseCode.ProtocolError);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void reassembles_many_fragments_with_pings_and_pongs_in_between(WebSocketRole role)
    {
        // Autobahn 5.19-5.20; RFC 6455 §5.4.
        byte[] wire = Wire.Concat(
            Wire.Text(role, "fragment1", fin: false),
            Wire.Continuation(role, "fragment2", fin: false),
            Wire.Ping(role, Wire.Utf8("pongme 1!")),
            Wire.Continuation(role, "fragment3", fin: false),
            Wire.Pong(role, Wire.Utf8("unsolicited")),
            Wire.Continuation(role, "fragment4", fin: false),
            Wire.Ping(role, Wire.Utf8("pongme 2!")),
            Wire.Continuation(role, "fragment5", fin: true));
        Driver d = Conformance.Run(role, wire);
        Assert.Equal([Seen.Pong(Wire.Utf8("unsolicited")), Seen.Text("fragment1fragment2fragment3fragment4fragment5")], d.Events);
        Assert.Equal([Conformance.Pong(Wire.Utf8("pongme 1!")), Conformance.Pong(Wire.Utf8("pongme 2!"))], Conformance.Output(d));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void reassembles_empty_fragments(WebSocketRole role)
    {
        // Autobahn 6.1.2-6.1.3; RFC 6455 §5.4: fragments may be empty.
        byte[] wire = Wire.Concat(
            Wire.Text(role, "", fin: false), Wire.Continuation(role, "", fin: false), Wire.Continuation(role, "", fin: true),
            Wire.Text(role, "", fin: false), Wire.Continuation(role, "middle", fin: false), Wire.Continuation(role, "", fin: true),
            Wire.Binary(role, [], fin: false), Wire.Continuation(role, [], fin: true));
        Assert.Equal([Seen.Text(""), Seen.Text("middle"), Seen.Binary([])], Conformance.Run(role, wire).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_binary_message_in_one_byte_fragments_comes_out_whole(WebSocketRole role)
    {
        // Autobahn 6.2.4 shape for binary; RFC 6455 §5.4.
        byte[] payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var frames = new List<byte[]> { Wire.Binary(role, payload[..1], fin: false) };
        for (int i = 1; i < payload.Length; i++)
        {
            frames.Add(Wire.Continuation(role, payload[i..(i + 1)], fin: i == payload.Length - 1));
        }
        Assert.Equal([Seen.Binary(payload)], Conformance.Run(role, Wire.Concat(frames.ToArray())).Events);
    }
}
