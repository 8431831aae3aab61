using System.Buffers;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 3 (reserved bits), from RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is
// negotiated that defines meanings for non-zero values".
[Collection(ProtocolCollection.Name)]
public class ReservedBitsTests
{
    public static TheoryData<WebSocketRole, int, int> Cases()
    {
        var data = new TheoryData<WebSocketRole, int, int>();
        foreach (WebSocketRole role in new[] { WebSocketRole.Server, WebSocketRole.Client })
        {
            // Autobahn 3.1-3.7: RSV values 1-7 on text, binary, ping and close frames.
            data.Add(role, 1, 0x1);
            data.Add(role, 2, 0x1);
            data.Add(role, 3, 0x1);
            data.Add(role, 4, 0x1);
            data.Add(role, 5, 0x2);
            data.Add(role, 6, 0x9);
            data.Add(role, 7, 0x8);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void fails_with_1002_on_a_reserved_bit_no_extension_defines(WebSocketRole role, int rsv, int opcode)
    {
        // Autobahn 3.2 shape: a good message, the bad frame, then a ping that must not be answered.
        byte[] bad = Wire.Frame(role, Wire.Fin | (rsv << 4) | opcode, Wire.Utf8("Hello"));
        byte[] wire = Wire.Concat(Wire.Text(role, "before"), bad, Wire.Ping(role));
        Driver d = Conformance.Run(role, wire);
        Assert.Equal(Seen.Text("before"), d.Events[0]);
        Conformance.AssertFailed(d, CloseCode.ProtocolError);
        Assert.Single(d.OutputFrames);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void accepts_rsv1_on_the_first_frame_when_an_extension_allows_it_and_reports_it(WebSocketRole role)
    {
        // RFC 6455 §5.2 and §9: the hook for permessage-deflate (RFC 7692 §6: RSV1 on the first frame only).
        var options = new ProtocolOptions { AllowedReservedBits = ReservedBits.Rsv1 };
        byte[] notUtf8 = [0xFF, 0xFE];
        byte[] wire = Wire.Concat(Wire.Frame(role, Wire.Rsv1 | 0x1, notUtf8), Wire.Continuation(role, [0x01], fin: true));
        var core = new WebSocketConnectionCore(role, options);
        var buffer = new System.Buffers.ReadOnlySequence<byte>(wire);
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Message, ev.Kind);
        Assert.Equal(ReservedBits.Rsv1, ev.ReservedBits);
        // The payload is transformed, so UTF-8 is the extension's to check after decoding.
        Assert.Equal([0xFF, 0xFE, 0x01], ev.Payload.ToArray());
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void rejects_an_allowed_bit_on_a_continuation_or_control_frame(WebSocketRole role)
    {
        // RFC 7692 §6: RSV1 is not set on control frames nor on non-first fragments; RFC 6455 §5.2 makes that 1002.
        var options = new ProtocolOptions { AllowedReservedBits = ReservedBits.Rsv1 };
        byte[] continuation = Wire.Concat(Wire.Frame(role, 0x2, [1]), Wire.Frame(role, Wire.Fin | Wire.Rsv1, [2]));
        Conformance.AssertFailed(Conformance.Run(role, continuation, options), CloseCode.ProtocolError);
        byte[] ping = Wire.Frame(role, Wire.Fin | Wire.Rsv1 | 0x9, []);
        Conformance.AssertFailed(Conformance.Run(role, ping, options), CloseCode.ProtocolError);
    }
}
