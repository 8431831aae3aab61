using System.Buffers;
using Ws101.Cli.Bench;
using Ws101.Protocol;

namespace Ws101.Tests.Cli.Bench;

/// <summary>The bench's prebuilt frames are client frames a server accepts: masked, minimal length, unmasking to the payload.</summary>
public class MaskedFramesTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(20, false)]
    [InlineData(125, true)]
    [InlineData(126, false)]
    [InlineData(70_000, true)]
    public void every_copy_of_the_message_is_one_masked_final_frame_that_unmasks_to_the_payload(int size, bool text)
    {
        byte[] payload = MaskedFrames.Payload(size, text);

        byte[][] frames = MaskedFrames.Message(payload, text);

        Assert.Equal(MaskedFrames.Variants, frames.Length);
        foreach (byte[] frame in frames)
        {
            Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(frame, out var header, out int used));
            Assert.True(header.Fin);
            Assert.True(header.IsMasked);
            Assert.Equal(text ? Opcode.Text : Opcode.Binary, header.Opcode);
            Assert.Equal(size, header.PayloadLength);
            Assert.Equal(FrameHeader.GetLength(size, isMasked: true), used);
            byte[] body = frame[used..];
            FrameMask.Apply(body, header.MaskKey, 0);
            Assert.Equal(payload, body);
        }
        Assert.True(frames.Select(f => FrameHeader.TryParse(f, out var h, out _) == OperationStatus.Done ? h.MaskKey : 0).Distinct().Count() > 1,
            "every copy was masked with the same key");
    }

    [Fact]
    public void a_text_payload_is_printable_ascii()
    {
        Assert.All(MaskedFrames.Payload(300, text: true), b => Assert.InRange(b, (byte)'a', (byte)'z'));
    }

    [Fact]
    public void the_close_frame_carries_its_code_masked()
    {
        byte[] close = MaskedFrames.Close(1000);

        Assert.Equal(OperationStatus.Done, FrameHeader.TryParse(close, out var header, out int used));
        Assert.Equal((Opcode.Close, true, true, 2L), (header.Opcode, header.Fin, header.IsMasked, header.PayloadLength));
        byte[] body = close[used..];
        FrameMask.Apply(body, header.MaskKey, 0);
        Assert.Equal(new byte[] { 0x03, 0xE8 }, body);
    }
}
