using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 2 (pings and pongs), from RFC 6455 §5.5.2 and §5.5.3.
[Collection(ProtocolCollection.Name)]
public class PingPongTests
{
    private static readonly byte[] Hello = Wire.Utf8("Hello, world!");

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void answers_a_ping_with_a_pong_carrying_identical_data(WebSocketRole role)
    {
        // Autobahn 2.1-2.4; RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
        // response" and §5.5.3: "A Pong frame sent in response to a Ping frame must have identical Application data".
        byte[] binary = [0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF];
        byte[] max = Enumerable.Range(0, 125).Select(i => (byte)i).ToArray();
        foreach (byte[] payload in new[] { [], Hello, binary, max })
        {
            Driver d = Conformance.Run(role, Wire.Ping(role, payload));
            Assert.Empty(d.Events); // pings are answered, not surfaced, by default
            Assert.Equal([Conformance.Pong(payload)], Conformance.Output(d));
            Assert.Equal(ConnectionState.Open, d.Core.State);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_ping_of_126_bytes_with_1002(WebSocketRole role)
    {
        // Autobahn 2.5; RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
        Driver d = Conformance.Run(role, Wire.Ping(role, new byte[126]));
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
        Assert.Single(d.OutputFrames); // no pong, just the close
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_control_frame_declaring_a_16_bit_length_before_its_payload_arrives(WebSocketRole role)
    {
        // RFC 6455 §5.5: the length is checked from the header alone, so an oversized control frame is not buffered.
        byte[] header = Wire.Frame(role, 0x89, [], declaredLength: 5000);
        Driver d = new Driver(role).Feed(header);
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void accepts_unsolicited_pongs_without_answering(WebSocketRole role)
    {
        // Autobahn 2.7-2.8; RFC 6455 §5.5.3: "A Pong frame MAY be sent unsolicited. ... A response to an unsolicited
        // Pong frame is not expected."
        Driver d = Conformance.Run(role, Wire.Concat(Wire.Pong(role), Wire.Pong(role, Hello)));
        Assert.Equal([Seen.Pong([]), Seen.Pong(Hello)], d.Events);
        Assert.Empty(d.OutputFrames);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void answers_only_the_ping_after_an_unsolicited_pong(WebSocketRole role)
    {
        // Autobahn 2.9; RFC 6455 §5.5.3.
        Driver d = Conformance.Run(role, Wire.Concat(Wire.Pong(role, Wire.Utf8("unsolicited")), Wire.Ping(role, Hello)));
        Assert.Equal([Conformance.Pong(Hello)], Conformance.Output(d));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void answers_ten_pings_with_ten_pongs_in_order(WebSocketRole role)
    {
        // Autobahn 2.10-2.11; RFC 6455 §5.5.2 (answering every ping is stricter than §5.5.3 requires).
        byte[][] payloads = Enumerable.Range(0, 10).Select(i => Wire.Utf8($"payload-{i}")).ToArray();
        Driver d = Conformance.Run(role, Wire.Concat(payloads.Select(p => Wire.Ping(role, p)).ToArray()));
        Assert.Equal(payloads.Select(Conformance.Pong).ToList(), Conformance.Output(d));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void keeps_only_the_newest_pong_when_pending_pongs_exceed_their_budget(WebSocketRole role)
    {
        // RFC 6455 §5.5.3: an endpoint "MAY elect to send a Pong frame for only the most recently processed Ping frame";
        // here that bounds memory when pings arrive faster than output is drained.
        var options = new ProtocolOptions { MaxPendingPongBytes = 300 };
        var core = new WebSocketConnectionCore(role, options);
        byte[] wire = Wire.Concat(Enumerable.Range(0, 20).Select(i => Wire.Ping(role, new byte[100 - i])).ToArray());
        var buffer = new System.Buffers.ReadOnlySequence<byte>(wire);
        Assert.False(core.TryReceive(ref buffer, out _));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        int written = core.WritePendingOutput(output);
        Assert.InRange(written, 1, 300);
        var pongs = Wire.Decode(output.WrittenSpan);
        Assert.Equal(81, pongs[^1].Payload.Length); // the last ping had 100 - 19 bytes
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void surfaces_pings_when_asked_and_still_answers_them(WebSocketRole role)
    {
        // RFC 6455 §5.5.2, with ProtocolOptions.SurfacePings.
        Driver d = Conformance.Run(role, Wire.Ping(role, Hello), new ProtocolOptions { SurfacePings = true });
        Assert.Equal([Seen.Ping(Hello)], d.Events);
        Assert.Equal([Conformance.Pong(Hello)], Conformance.Output(d));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void without_auto_pong_surfaces_pings_and_queues_nothing(WebSocketRole role)
    {
        // RFC 6455 §5.5.2: the application then owes the pong, through WritePong.
        Driver d = Conformance.Run(role, Wire.Ping(role, Hello), new ProtocolOptions { AutoPong = false });
        Assert.Equal([Seen.Ping(Hello)], d.Events);
        Assert.Empty(d.OutputFrames);
    }
}
