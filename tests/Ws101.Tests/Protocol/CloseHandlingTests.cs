using System.Buffers;
using System.Buffers.Binary;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 7 (close handling), from RFC 6455 §5.5.1, §7 and §7.4.
[Collection(ProtocolCollection.Name)]
public class CloseHandlingTests
{
    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void answers_a_close_with_a_close_carrying_the_same_code(WebSocketRole role)
    {
        // Autobahn 7.1.1 and 7.3.3-7.3.4; RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did not previously
        // send a Close frame, the endpoint MUST send a Close frame in response. ... it typically echos the status code".
        byte[] wire = Wire.Concat(Wire.Text(role, "Hello World!"), Wire.Close(role, 1000, "bye"));
        Driver d = Conformance.Run(role, wire);
        Assert.Equal([Seen.Text("Hello World!"), Seen.Close(CloseCode.NormalClosure, "bye")], d.Events);
        Assert.Equal([Conformance.Frame(0x88, Wire.ClosePayload(1000, []))], Conformance.Output(d));
        Assert.Equal(ConnectionState.Closed, d.Core.State);
        Assert.True(d.Core.ClosedCleanly);
        Assert.Equal(CloseCode.NormalClosure, d.Core.CloseStatus);
        Assert.Equal("bye", d.Core.CloseReason);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void answers_an_empty_close_with_an_empty_close_and_reports_1005(WebSocketRole role)
    {
        // Autobahn 7.3.1; RFC 6455 §7.1.5: "If this Close control frame contains no status code, _The WebSocket Connection
        // Close Code_ is considered to be 1005."
        Driver d = Conformance.Run(role, Wire.Close(role));
        Assert.Equal([Seen.Close(CloseCode.NoStatusReceived)], d.Events);
        Assert.Equal([Conformance.Frame(0x88, [])], Conformance.Output(d));
        Assert.Equal(CloseCode.NoStatusReceived, d.Core.CloseStatus);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_one_byte_close_payload_with_1002(WebSocketRole role)
    {
        // Autobahn 7.3.2; RFC 6455 §5.5.1: a close body, if any, starts with a 2-byte status code.
        Conformance.AssertFailed(Conformance.Run(role, Wire.CloseRaw(role, [0x03])), CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void accepts_a_close_reason_of_123_bytes_and_rejects_124(WebSocketRole role)
    {
        // Autobahn 7.3.5-7.3.6; RFC 6455 §5.5: 125 bytes of payload at most, 2 of them the code.
        string reason = new('*', 123);
        Assert.Equal([Seen.Close(CloseCode.NormalClosure, reason)], Conformance.Run(role, Wire.Close(role, 1000, reason)).Events);
        Conformance.AssertFailed(Conformance.Run(role, Wire.Close(role, 1000, reason + "*")), CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_a_close_reason_that_is_not_utf8_with_1007(WebSocketRole role)
    {
        // Autobahn 7.5.1; RFC 6455 §5.5.1 and §8.1.
        byte[] body = Wire.Concat(Wire.ClosePayload(1000, []), Convert.FromHexString("CEBAE1BDB9CF83CEBCCEB5EDA080656469746564"));
        Conformance.AssertFailed(Conformance.Run(role, Wire.CloseRaw(role, body)), CloseCode.InvalidPayloadData);
    }

    public static TheoryData<WebSocketRole, int> ValidCodes() => Codes(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999);

    public static TheoryData<WebSocketRole, int> InvalidCodes() =>
        Codes(0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535);

    private static TheoryData<WebSocketRole, int> Codes(params int[] codes)
    {
        var data = new TheoryData<WebSocketRole, int>();
        foreach (WebSocketRole role in new[] { WebSocketRole.Server, WebSocketRole.Client })
        {
            foreach (int code in codes)
            {
                data.Add(role, code);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(ValidCodes))]
    public void echoes_every_valid_close_code(WebSocketRole role, int code)
    {
        // Autobahn 7.7.1-7.7.13; RFC 6455 §7.4.1-§7.4.2.
        Driver d = Conformance.Run(role, Wire.Close(role, code));
        Assert.Equal([Seen.Close((CloseCode)code)], d.Events);
        Assert.Equal([Conformance.Frame(0x88, Wire.ClosePayload(code, []))], Conformance.Output(d));
    }

    [Theory, MemberData(nameof(InvalidCodes))]
    public void rejects_every_invalid_close_code_with_1002(WebSocketRole role, int code)
    {
        // Autobahn 7.9.1-7.9.13 and 7.13.1-7.13.2; RFC 6455 §7.4: 1005, 1006 and 1015 "MUST NOT be set as a status code
        // in a Close control frame"; other codes below 3000 are unassigned or reserved.
        Conformance.AssertFailed(Conformance.Run(role, Wire.Close(role, code)), CloseCode.ProtocolError);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void ignores_everything_after_the_close_frame(WebSocketRole role)
    {
        // Autobahn 7.1.2-7.1.4; RFC 6455 §5.5.1: after a close the peer "MUST NOT send any further data frames", and the
        // endpoint has nothing more to read.
        byte[] wire = Wire.Concat(Wire.Close(role, 1000), Wire.Close(role, 1001), Wire.Ping(role, [1]), Wire.Text(role, "late"));
        Driver d = Conformance.Run(role, wire);
        Assert.Equal([Seen.Close(CloseCode.NormalClosure)], d.Events);
        Assert.Single(d.OutputFrames);
        Assert.Equal(0, d.Unconsumed);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_close_inside_a_fragmented_message_drops_the_unfinished_message(WebSocketRole role)
    {
        // Autobahn 7.1.5; RFC 6455 §5.4 (a close is a control frame, allowed between fragments) and §5.5.1.
        byte[] wire = Wire.Concat(Wire.Text(role, "fragment1", fin: false), Wire.Close(role, 1000), Wire.Continuation(role, "fragment2", fin: true));
        Assert.Equal([Seen.Close(CloseCode.NormalClosure)], Conformance.Run(role, wire).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void the_state_moves_from_open_to_close_received_to_closed_when_the_peer_closes_first(WebSocketRole role)
    {
        // RFC 6455 §7.1.2-§7.1.4: the reply is pending until the transport takes it.
        var core = new WebSocketConnectionCore(role);
        Assert.Equal(ConnectionState.Open, core.State);
        var buffer = new ReadOnlySequence<byte>(Wire.Close(role, 1001, "going"));
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Close, ev.Kind);
        Assert.Equal(ConnectionState.CloseReceived, core.State);
        Assert.True(core.HasPendingOutput);
        Assert.False(core.ShouldCloseTransport);
        Assert.Throws<InvalidOperationException>(() => core.WriteMessage(new ArrayBufferWriter<byte>(), WebSocketMessageKind.Text, "x"u8));
        core.WritePendingOutput(new ArrayBufferWriter<byte>());
        Assert.Equal(ConnectionState.Closed, core.State);
        // RFC 6455 §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be closed first by the server".
        Assert.Equal(role == WebSocketRole.Server, core.ShouldCloseTransport);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void the_state_moves_from_open_to_close_sent_to_closed_when_this_side_closes_first(WebSocketRole role)
    {
        // RFC 6455 §7.1.2: start the closing handshake; §5.5.1: "After sending a Close frame, the endpoint MUST NOT send
        // any further data frames"; frames still arrive until the peer's close.
        var core = new WebSocketConnectionCore(role);
        var output = new ArrayBufferWriter<byte>();
        Assert.True(core.WriteClose(output, CloseCode.GoingAway, "shutting down"));
        Assert.Equal(ConnectionState.CloseSent, core.State);
        var frame = Wire.Decode(output.WrittenSpan).Single();
        Assert.Equal(0x88, frame.FirstByte);
        Assert.Equal(role == WebSocketRole.Client, frame.Masked);
        Assert.Equal(1001, BinaryPrimitives.ReadUInt16BigEndian(frame.Payload));
        Assert.Equal("shutting down", System.Text.Encoding.UTF8.GetString(frame.Payload.AsSpan(2)));
        var ex = Assert.Throws<InvalidOperationException>(() => core.WriteMessage(output, WebSocketMessageKind.Binary, [1]));
        Assert.Contains("§5.5.1", ex.Message, StringComparison.Ordinal);
        Assert.False(core.WriteClose(output));

        Driver d = new(role);
        var buffer = new ReadOnlySequence<byte>(Wire.Concat(Wire.Text(role, "still arriving"), Wire.Close(role, 1000)));
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Message, ev.Kind);
        Assert.True(core.TryReceive(ref buffer, out ev));
        Assert.Equal(ProtocolEventKind.Close, ev.Kind);
        Assert.Equal(ConnectionState.Closed, core.State);
        Assert.False(core.HasPendingOutput); // no second close
        Assert.Equal(role == WebSocketRole.Server, core.ShouldCloseTransport);
        Assert.Equal(CloseCode.NormalClosure, core.CloseStatus);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void the_transport_ending_without_a_close_frame_is_reported_as_1006(WebSocketRole role)
    {
        // RFC 6455 §7.1.5: "If _The WebSocket Connection is Closed_ and no Close control frame was received by the
        // endpoint ... _The WebSocket Connection Close Code_ is considered to be 1006."
        var core = new WebSocketConnectionCore(role);
        var buffer = new ReadOnlySequence<byte>(Wire.Text(role, "cut", fin: false));
        core.TryReceive(ref buffer, out _);
        Assert.Equal(CloseCode.AbnormalClosure, core.OnTransportEnded());
        Assert.Equal(CloseCode.AbnormalClosure, core.CloseStatus);
        Assert.Equal(ConnectionState.Closed, core.State);
        Assert.False(core.ClosedCleanly);
        Assert.Throws<InvalidOperationException>(() => core.WritePing(new ArrayBufferWriter<byte>()));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void the_transport_ending_after_a_close_frame_keeps_its_code(WebSocketRole role)
    {
        // RFC 6455 §7.1.5: the close code is "the status code contained in the first Close control frame received".
        var core = new WebSocketConnectionCore(role);
        var buffer = new ReadOnlySequence<byte>(Wire.Close(role, 4001, "app"));
        core.TryReceive(ref buffer, out _);
        Assert.Equal((CloseCode)4001, core.OnTransportEnded());
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void refuses_to_send_close_codes_that_may_not_travel_or_reasons_too_long(WebSocketRole role)
    {
        // RFC 6455 §7.4.1 and §5.5.
        var core = new WebSocketConnectionCore(role);
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => core.WriteClose(output, CloseCode.NoStatusReceived));
        Assert.Throws<ArgumentOutOfRangeException>(() => core.WriteClose(output, CloseCode.AbnormalClosure));
        Assert.Throws<ArgumentException>(() => core.WriteClose(output, CloseCode.NormalClosure, new string('é', 62)));
        Assert.Equal(0, output.WrittenCount);
        Assert.True(core.WriteClose(output, CloseCode.NormalClosure, new string('é', 61) + "x"));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void writing_a_close_first_flushes_pending_pongs(WebSocketRole role)
    {
        // RFC 6455 §5.5.1: nothing may follow our close, so pongs owed are written before it.
        var core = new WebSocketConnectionCore(role);
        var buffer = new ReadOnlySequence<byte>(Wire.Ping(role, [7]));
        core.TryReceive(ref buffer, out _);
        var output = new ArrayBufferWriter<byte>();
        core.WriteClose(output);
        var frames = Wire.Decode(output.WrittenSpan);
        Assert.Equal([0x8A, 0x88], frames.Select(f => f.FirstByte));
        Assert.False(core.HasPendingOutput);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_ping_arriving_after_this_side_sent_its_close_is_not_answered(WebSocketRole role)
    {
        // RFC 6455 §5.5.1: the close frame is the last frame this endpoint sends.
        var core = new WebSocketConnectionCore(role);
        core.WriteClose(new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(Wire.Concat(Wire.Ping(role, [1]), Wire.Close(role, 1000)));
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Close, ev.Kind);
        Assert.False(core.HasPendingOutput);
        Assert.Equal(ConnectionState.Closed, core.State);
    }
}
