using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class ProtocolViolationsTests
{
    // The reasons Ws101's protocol core gives when it fails a connection (src/Ws101/Protocol/WebSocketConnectionCore.Receive.cs).
    [Theory]
    [InlineData(1002, "The server sent a masked frame; servers never mask (RFC 6455 §5.1).", "masked-frame")]
    [InlineData(1002, "The client sent an unmasked frame; clients mask every frame (RFC 6455 §5.1).", "unmasked-frame")]
    [InlineData(1002, "Opcode 0x3 is reserved (RFC 6455 §5.2).", "reserved-opcode")]
    [InlineData(1002, "Reserved bits RSV1 are set on a text frame and no negotiated extension allows them there (RFC 6455 §5.2).", "reserved-bits")]
    [InlineData(1007, "A text message is not valid UTF-8 (RFC 6455 §8.1).", "invalid-utf8")]
    [InlineData(1002, "Close code 1005 may not be sent in a close frame (RFC 6455 §7.4).", "invalid-close-code")]
    [InlineData(1002, "A close frame carries 1 byte; its body is empty or starts with a 2-byte status code (RFC 6455 §5.5.1).", "invalid-close-frame")]
    [InlineData(1002, "A ping frame is fragmented; control frames MUST NOT be (RFC 6455 §5.5).", "control-frame")]
    [InlineData(1002, "A continuation frame arrived with no message in progress (RFC 6455 §5.4).", "fragmentation")]
    [InlineData(1009, "A frame of 99999999 bytes exceeds MaxFrameSize (16777216) (RFC 6455 §10.4).", "too-big")]
    public void names_the_rule_from_the_close_reason(int code, string reason, string cause)
    {
        var p = ProtocolViolations.FromClose(code, reason)!;
        Assert.Equal(HandshakeProblemCode.ProtocolViolation, p.Code);
        Assert.Equal(cause, p.Cause);
        Assert.Equal(reason, p.Actual);
        Assert.Contains($"{code}", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("RFC", p.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(4000)]
    public void an_ordinary_close_is_no_violation(int code) => Assert.Null(ProtocolViolations.FromClose(code, "bye"));

    [Fact]
    public void a_1002_with_words_it_does_not_know_is_still_a_violation_without_a_cause()
    {
        var p = ProtocolViolations.FromClose(1002, "protocol error")!;
        Assert.Null(p.Cause);
        Assert.Equal(HandshakeProblemCatalog.Get(HandshakeProblemCode.ProtocolViolation).Explanation, p.Explanation);
    }
}
