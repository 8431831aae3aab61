using System.Buffers;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Errors are values (DESIGN.md): a failure (RFC 6455 §7.1.7) is a close code and a reason naming the rule.
[Collection(ProtocolCollection.Name)]
public class ProtocolErrorTests
{
    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_failure_is_reported_as_a_value_naming_the_rfc_rule(WebSocketRole role)
    {
        // RFC 6455 §5.5: a ping of 126 bytes.
        var core = new WebSocketConnectionCore(role);
        var buffer = new ReadOnlySequence<byte>(Wire.Ping(role, new byte[126]));
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Error, ev.Kind);
        Assert.Equal(CloseCode.ProtocolError, ev.CloseStatus);
        Assert.Contains("RFC 6455 §5.5", ev.CloseReason, StringComparison.Ordinal);
        ProtocolError error = Assert.IsType<ProtocolError>(core.Error);
        Assert.Equal(ev.CloseReason, error.Reason);
        var exception = new WebSocketProtocolException(error);
        Assert.Equal(error, exception.Error);
        Assert.StartsWith("1002 ProtocolError: ", exception.Message, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_failure_after_this_side_sent_its_close_sends_no_second_close(WebSocketRole role)
    {
        // RFC 6455 §7.1.7 "SHOULD send a Close frame", but §5.5.1 allows only one: ours is already out.
        var core = new WebSocketConnectionCore(role);
        core.WriteClose(new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(Wire.Frame(role, 0x83, []));
        Assert.True(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.Error, ev.Kind);
        Assert.False(core.HasPendingOutput);
        Assert.Equal(ConnectionState.Closed, core.State);
        Assert.True(core.ShouldCloseTransport);
    }

    [Fact]
    public void a_healthy_connection_has_no_error_and_no_status()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        Assert.Null(core.Error);
        Assert.Null(core.CloseStatus);
        Assert.False(core.ShouldCloseTransport);
        Assert.Equal(WebSocketRole.Server, core.Role);
        Assert.Same(ProtocolOptions.Default, core.Options);
    }

    [Fact]
    public void no_event_is_never_mistaken_for_a_message()
    {
        var core = new WebSocketConnectionCore(WebSocketRole.Client);
        var buffer = new ReadOnlySequence<byte>([0x81]);
        Assert.False(core.TryReceive(ref buffer, out ProtocolEvent ev));
        Assert.Equal(ProtocolEventKind.None, ev.Kind);
        Assert.Equal(1, buffer.Length); // half a header stays for the next read
    }
}
