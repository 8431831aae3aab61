using System.Buffers;
using Ws101.Protocol;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

public class PreparedFrameCoreTests
{
    private static readonly byte[] Frame = PreparedMessage.CreateText("hi").Frame.ToArray();

    [Fact]
    public void An_open_server_core_writes_a_prepared_frame_as_is()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        var output = new ArrayBufferWriter<byte>();
        core.WritePrepared(output, Frame);
        Assert.Equal(Frame, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void No_prepared_frame_after_a_close_frame()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        var output = new ArrayBufferWriter<byte>();
        core.WriteClose(output);
        Assert.Throws<InvalidOperationException>(() => core.WritePrepared(output, Frame));
    }

    [Fact]
    public void A_client_cannot_send_a_shared_unmasked_frame()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Client);
        Assert.Throws<InvalidOperationException>(() => core.WritePrepared(new ArrayBufferWriter<byte>(), Frame));
    }

    [Fact]
    public void Not_between_the_fragments_of_a_streamed_message()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        var output = new ArrayBufferWriter<byte>();
        core.WriteFragment(output, WebSocketMessageKind.Binary, [1], endOfMessage: false);
        Assert.True(core.IsSendingStreamedMessage);
        Assert.Throws<InvalidOperationException>(() => core.WritePrepared(output, Frame));
        core.WriteFragment(output, WebSocketMessageKind.Binary, [2], endOfMessage: true);
        core.WritePrepared(output, Frame);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0 })]              // not final
    [InlineData(new byte[] { 0x89, 0 })]              // a ping
    [InlineData(new byte[] { 0x81, 0x80, 0, 0, 0, 0 })] // masked
    [InlineData(new byte[] { 0x81, 3, 1 })]           // length does not match
    [InlineData(new byte[] { 0xC1, 0 })]              // RSV1 without an extension
    [InlineData(new byte[] { 0x81 })]                 // incomplete header
    public void Anything_but_one_whole_unmasked_data_frame_is_refused(byte[] frame)
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        Assert.Throws<ArgumentException>(() => core.WritePrepared(new ArrayBufferWriter<byte>(), frame));
    }
}
