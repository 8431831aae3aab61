using Ws101.Cli.Probe;

namespace Ws101.Tests.Cli.Probe;

public class Http2SettingsFrameTests
{
    /// <summary>A SETTINGS frame as Kestrel sends it first: MAX_CONCURRENT_STREAMS 100, ENABLE_CONNECT_PROTOCOL 1.</summary>
    private static readonly byte[] KestrelLike =
    [
        0, 0, 12, 0x4, 0x0, 0, 0, 0, 0,
        0x00, 0x03, 0, 0, 0, 100,
        0x00, 0x08, 0, 0, 0, 1,
    ];

    [Fact]
    public void the_client_preface_is_the_rfc_9113_magic_then_an_empty_settings_frame()
    {
        byte[] preface = Http2SettingsFrame.ClientPreface.ToArray();
        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), preface[..24]);
        Assert.Equal(new byte[] { 0, 0, 0, 0x4, 0, 0, 0, 0, 0 }, preface[24..]);
    }

    [Fact]
    public void reads_the_settings_of_a_server_preface_in_order_and_sees_extended_connect_allowed()
    {
        Assert.True(Http2SettingsFrame.TryReadHeader(KestrelLike.AsSpan(0, 9), out int length, out string? error), error);
        Assert.Equal(12, length);
        var settings = Http2SettingsFrame.ReadPayload(KestrelLike.AsSpan(9, length));
        Assert.Equal([new(0x3, 100u), new(0x8, 1u)], settings);
        Assert.Equal("SETTINGS_MAX_CONCURRENT_STREAMS", Http2SettingsFrame.Name(settings[0].Key));
        Assert.Equal("SETTINGS_ENABLE_CONNECT_PROTOCOL", Http2SettingsFrame.Name(settings[1].Key));
        Assert.True(Http2SettingsFrame.AllowsExtendedConnect(settings));
    }

    [Fact]
    public void extended_connect_is_allowed_only_by_the_value_1_and_the_last_value_sent_wins()
    {
        Assert.False(Http2SettingsFrame.AllowsExtendedConnect([]));
        Assert.False(Http2SettingsFrame.AllowsExtendedConnect([new(0x8, 0u)]));
        Assert.False(Http2SettingsFrame.AllowsExtendedConnect([new(0x8, 1u), new(0x8, 0u)]));
        Assert.True(Http2SettingsFrame.AllowsExtendedConnect([new(0x3, 1u), new(0x8, 1u)]));
    }

    [Fact]
    public void an_unknown_setting_is_named_by_its_identifier()
    {
        Assert.Equal("0x00ff", Http2SettingsFrame.Name(0xff));
    }

    [Fact]
    public void an_http11_answer_to_the_preface_is_not_a_settings_frame()
    {
        Assert.False(Http2SettingsFrame.TryReadHeader("HTTP/1.1 400 Bad Request\r\n"u8[..9], out _, out string? error));
        Assert.Contains("not a SETTINGS frame", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0x4, 0x1, 0, 0, 0, 0 }, "not a SETTINGS frame")] // an acknowledgement, not the preface
    [InlineData(new byte[] { 0, 0, 0, 0x4, 0x0, 0, 0, 0, 1 }, "not a SETTINGS frame")] // on stream 1
    [InlineData(new byte[] { 0, 0, 7, 0x4, 0x0, 0, 0, 0, 0 }, "not a multiple of 6")]
    [InlineData(new byte[] { 0x01, 0, 2, 0x4, 0x0, 0, 0, 0, 0 }, "not a multiple of 6")] // 65,538 bytes: past the bound
    [InlineData(new byte[] { 0, 0, 6 }, "3 bytes")]
    public void a_malformed_or_oversized_first_frame_is_refused_with_the_reason(byte[] header, string reason)
    {
        Assert.False(Http2SettingsFrame.TryReadHeader(header, out int length, out string? error));
        Assert.Equal(0, length);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
