using System.Buffers;
using CsCheck;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// RFC 6455 §5.2, base framing protocol: the header fields and the three length encodings.
[Collection(ProtocolCollection.Name)]
public class FrameHeaderTests
{
    [Theory]
    [InlineData(0L, 2)]
    [InlineData(125L, 2)]
    [InlineData(126L, 4)]
    [InlineData(65535L, 4)]
    [InlineData(65536L, 10)]
    [InlineData(long.MaxValue, 10)]
    public void uses_the_minimal_length_encoding(long length, int expected)
    {
        // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
        Assert.Equal(expected, FrameHeader.GetLength(length, isMasked: false));
        Assert.Equal(expected + 4, FrameHeader.GetLength(length, isMasked: true));
    }

    [Fact]
    public void writes_what_the_reference_encoder_writes()
    {
        // RFC 6455 §5.2: the header layout, compared with an encoder written from the diagram.
        Gen.Select(Gen.Bool, Gen.Int[0, 15], Gen.Int[0, 7], Gen.Long[0, 200_000], Gen.Bool, Gen.UInt).Sample((fin, op, rsv, length, masked, key) =>
        {
            var header = new FrameHeader(fin, (Opcode)op, length, masked, key, (ReservedBits)(rsv << 4));
            byte[] written = new byte[FrameHeader.MaxLength];
            Assert.True(header.TryWrite(written, out int n));
            Assert.Equal(header.Length, n);
            byte[] reference = Wire.Frame(WebSocketRole.Server, (fin ? 0x80 : 0) | (rsv << 4) | op, [], masked, declaredLength: (ulong)length);
            // The reference draws its own key; compare everything before the key, then the key itself.
            Assert.Equal(reference.AsSpan(0, n - (masked ? 4 : 0)).ToArray(), written.AsSpan(0, n - (masked ? 4 : 0)).ToArray());
            Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(written.AsSpan(0, n), out FrameHeader parsed, out int consumed));
            Assert.Equal(n, consumed);
            Assert.Equal((fin, (Opcode)op, length, masked, masked ? key : 0u, (ReservedBits)(rsv << 4)),
                (parsed.Fin, parsed.Opcode, parsed.PayloadLength, parsed.IsMasked, parsed.MaskKey, parsed.ReservedBits));
        }, iter: 2000);
    }

    [Fact]
    public void needs_more_data_at_every_truncation_of_every_header_form()
    {
        // RFC 6455 §5.2: a header is 2-14 bytes; any prefix shorter than the header is incomplete, never an error.
        foreach (ulong length in new ulong[] { 5, 300, 70_000 })
        {
            foreach (bool masked in new[] { false, true })
            {
                byte[] frame = Wire.Frame(WebSocketRole.Server, 0x82, [], masked, declaredLength: length);
                for (int cut = 0; cut < frame.Length; cut++)
                {
                    Assert.Equal(OperationStatus.NeedMoreData, FrameHeader.TryParse(frame.AsSpan(0, cut), out _, out int consumed));
                    Assert.Equal(0, consumed);
                }
                Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(frame, out FrameHeader header, out _));
                Assert.Equal((long)length, header.PayloadLength);
            }
        }
    }

    [Fact]
    public void rejects_a_64_bit_length_with_the_most_significant_bit_set()
    {
        // RFC 6455 §5.2: "the most significant bit MUST be 0".
        byte[] frame = Wire.Frame(WebSocketRole.Client, 0x82, [], masked: false, lengthBits: 64, declaredLength: 0x8000_0000_0000_0000);
        Assert.Equal(OperationStatus.InvalidData, FrameHeader.TryParse(frame, out _, out _));
    }

    [Fact]
    public void accepts_a_longer_than_needed_length_encoding()
    {
        // RFC 6455 §5.2: minimal encoding binds the sender; the receiver reads the value either way.
        byte[] frame = Wire.Frame(WebSocketRole.Client, 0x82, [], masked: false, lengthBits: 64, declaredLength: 5);
        Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(frame, out FrameHeader header, out int n));
        Assert.Equal(5, header.PayloadLength);
        Assert.Equal(10, n);
    }

    [Fact]
    public void parses_a_header_split_across_sequence_segments_at_every_offset()
    {
        // RFC 6455 §5.2 over a segmented buffer, as a pipe delivers it.
        byte[] frame = Wire.Frame(WebSocketRole.Server, 0x81, [], masked: true, declaredLength: 70_000);
        for (int cut = 1; cut < frame.Length; cut++)
        {
            ReadOnlySequence<byte> sequence = Driver.Sequence([frame.AsMemory(0, cut), frame.AsMemory(cut)]);
            Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(sequence, out FrameHeader header, out int n));
            Assert.Equal(14, n);
            Assert.Equal(70_000, header.PayloadLength);
            Assert.True(header.IsMasked);
        }
    }

    [Fact]
    public void refuses_to_write_into_a_destination_too_short()
    {
        var header = new FrameHeader(true, Opcode.Binary, 70_000, isMasked: true, maskKey: 1);
        Assert.False(header.TryWrite(new byte[13], out int n));
        Assert.Equal(0, n);
    }
}
