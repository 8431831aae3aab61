using System.Buffers;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// A failure names the rule the peer broke (one ProtocolErrorCode per rule, to switch on) and carries the evidence:
// the offending frame's header bytes and its offset in the stream (issue 15: what `ws101 probe` prints, for library users).
[Collection(ProtocolCollection.Name)]
public class ProtocolErrorCodeTests
{
    public static TheoryData<string, WebSocketRole, byte[], ProtocolErrorCode, CloseCode, bool> Violations => new()
    {
        // name, receiver, frame, rule, close code, whether the header is the evidence
        { "ping with FIN clear", WebSocketRole.Server, Wire.Frame(WebSocketRole.Server, 0x09, []), ProtocolErrorCode.FragmentedControlFrame, CloseCode.ProtocolError, true },
        { "ping of 126 bytes", WebSocketRole.Client, Wire.Ping(WebSocketRole.Client, new byte[126]), ProtocolErrorCode.ControlFrameTooLong, CloseCode.ProtocolError, true },
        { "masked frame from a server", WebSocketRole.Client, Wire.Frame(WebSocketRole.Client, 0x81, "hi"u8, masked: true), ProtocolErrorCode.MaskedFrameFromServer, CloseCode.ProtocolError, true },
        { "unmasked frame from a client", WebSocketRole.Server, Wire.Frame(WebSocketRole.Server, 0x81, "hi"u8, masked: false), ProtocolErrorCode.UnmaskedFrameFromClient, CloseCode.ProtocolError, true },
        { "RSV2 set", WebSocketRole.Server, Wire.Frame(WebSocketRole.Server, 0xA1, "hi"u8), ProtocolErrorCode.ReservedBits, CloseCode.ProtocolError, true },
        { "opcode 0x3", WebSocketRole.Client, Wire.Frame(WebSocketRole.Client, 0x83, []), ProtocolErrorCode.ReservedOpcode, CloseCode.ProtocolError, true },
        { "continuation with no message", WebSocketRole.Server, Wire.Continuation(WebSocketRole.Server, "x", fin: true), ProtocolErrorCode.UnexpectedContinuation, CloseCode.ProtocolError, true },
        { "new message inside a message", WebSocketRole.Client, [.. Wire.Text(WebSocketRole.Client, "a", fin: false), .. Wire.Text(WebSocketRole.Client, "b")], ProtocolErrorCode.UnfinishedMessage, CloseCode.ProtocolError, true },
        { "invalid UTF-8 in text", WebSocketRole.Client, Wire.Text(WebSocketRole.Client, [0xC3, 0x28]), ProtocolErrorCode.InvalidUtf8, CloseCode.InvalidPayloadData, false },
        { "close code 1005 on the wire", WebSocketRole.Server, Wire.Close(WebSocketRole.Server, 1005), ProtocolErrorCode.BadCloseCode, CloseCode.ProtocolError, false },
        { "close body of 1 byte", WebSocketRole.Client, Wire.Frame(WebSocketRole.Client, 0x88, [0x03]), ProtocolErrorCode.InvalidCloseFrame, CloseCode.ProtocolError, false },
    };

    [Theory, MemberData(nameof(Violations))]
    public void each_violation_names_its_rule_and_the_frame_that_broke_it(string name, WebSocketRole receiver, byte[] frame, ProtocolErrorCode rule,
        CloseCode code, bool headerIsEvidence)
    {
        // A valid message first, so that the offending frame does not start at byte 0.
        byte[] before = Wire.Text(receiver, "ok");
        var core = new WebSocketConnectionCore(receiver);
        var buffer = new ReadOnlySequence<byte>([.. before, .. frame]);
        ProtocolEvent ev = default;
        while (ev.Kind != ProtocolEventKind.Error && core.TryReceive(ref buffer, out ev))
        {
        }

        Assert.True(ev.Kind == ProtocolEventKind.Error, name);
        ProtocolError error = Assert.IsType<ProtocolError>(core.Error);
        Assert.Equal(rule, error.Rule);
        Assert.Equal(code, error.Code);
        Assert.Equal(ev.CloseReason, error.Reason);
        // The offending frame is the last one fed (the second of the pair for a message begun inside another).
        int offset = before.Length + (rule == ProtocolErrorCode.UnfinishedMessage ? Wire.Text(receiver, "a", fin: false).Length : 0);
        Assert.Equal(offset, error.FrameOffset);
        if (headerIsEvidence)
        {
            byte[] all = [.. before, .. frame];
            Assert.Equal(all.AsSpan(offset, error.FrameHeader.Length).ToArray(), error.FrameHeader.ToArray());
            Assert.InRange(error.FrameHeader.Length, 2, 14);
            Assert.Contains(Convert.ToHexString(error.FrameHeader.Span), error.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.True(error.FrameHeader.IsEmpty);
        }
        Assert.Contains(rule.ToString(), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void the_offset_counts_bytes_across_calls_fed_one_byte_at_a_time()
    {
        byte[] stream = [.. Wire.Text(WebSocketRole.Client, "hello"), .. Wire.Ping(WebSocketRole.Client, [1, 2]), .. Wire.Frame(WebSocketRole.Client, 0x81, "x"u8, masked: true)];
        var core = new WebSocketConnectionCore(WebSocketRole.Client);
        byte[] received = [.. stream];
        int consumed = 0;
        for (int end = 1; end <= received.Length && core.Error is null; end++)
        {
            // What a transport holds: the bytes not consumed yet, one more each time.
            var pending = received.AsMemory(consumed, end - consumed);
            while (true)
            {
                bool produced = core.TryReceive(pending, out int used, out _);
                consumed += used;
                pending = pending[used..];
                if (!produced || core.Error is not null)
                {
                    break;
                }
            }
        }

        ProtocolError error = Assert.IsType<ProtocolError>(core.Error);
        Assert.Equal(ProtocolErrorCode.MaskedFrameFromServer, error.Rule);
        Assert.Equal(stream.Length - Wire.Frame(WebSocketRole.Client, 0x81, "x"u8, masked: true).Length, error.FrameOffset);
    }
}
