using Ws101.Cli.Bench;

namespace Ws101.Tests.Cli.Bench;

public class FanoutStampTests
{
    [Theory]
    [InlineData(false, 0L, 0L)]
    [InlineData(false, 123_456L, long.MaxValue)]
    [InlineData(true, 0L, 0L)]
    [InlineData(true, 987_654_321L, 1_234_567_890_123L)]
    public void a_stamp_reads_back_as_written(bool text, long sequence, long sentAt)
    {
        var payload = new byte[FanoutStamp.Length(text) + 5];

        FanoutStamp.Write(payload, sequence, sentAt, text);

        Assert.True(FanoutStamp.TryRead(payload, text, out long s, out long t));
        Assert.Equal((sequence, sentAt), (s, t));
    }

    [Fact]
    public void a_text_stamp_is_lower_case_hex_and_so_valid_utf8()
    {
        var payload = new byte[32];
        FanoutStamp.Write(payload, 0xAB, 0x1234, text: true);

        Assert.Equal("00000000000000ab0000000000001234", System.Text.Encoding.ASCII.GetString(payload));
    }

    [Fact]
    public void text_that_is_not_hex_is_not_a_stamp()
    {
        Assert.False(FanoutStamp.TryRead("hello, this is not a stamp at all"u8, text: true, out _, out _));
    }
}
