using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 4 (opcodes), from RFC 6455 §5.2: "If an unknown opcode is received, the receiving endpoint
// MUST _Fail the WebSocket Connection_."
[Collection(ProtocolCollection.Name)]
public class OpcodeTests
{
    public static TheoryData<WebSocketRole, int> Cases()
    {
        var data = new TheoryData<WebSocketRole, int>();
        foreach (WebSocketRole role in new[] { WebSocketRole.Server, WebSocketRole.Client })
        {
            foreach (int opcode in new[] { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF })
            {
                data.Add(role, opcode);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void fails_with_1002_on_a_reserved_opcode(WebSocketRole role, int opcode)
    {
        // Autobahn 4.1.1-4.1.5 (non-control 3-7) and 4.2.1-4.2.5 (control 0xB-0xF), empty and with payload, after a
        // good message and before a ping that must not be answered.
        foreach (byte[] payload in new[] { Array.Empty<byte>(), Wire.Utf8("reserved opcode payload") })
        {
            byte[] wire = Wire.Concat(Wire.Text(role, "Hello"), Wire.Frame(role, Wire.Fin | opcode, payload), Wire.Ping(role));
            Driver d = Conformance.Run(role, wire);
            Assert.Equal(Seen.Text("Hello"), d.Events[0]);
            Conformance.AssertFailed(d, CloseCode.ProtocolError);
            Assert.Single(d.OutputFrames);
        }
    }
}
