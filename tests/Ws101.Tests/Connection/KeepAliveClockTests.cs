using Ws101.Benchmarks.Connection;

namespace Ws101.Tests.Connection;

/// <summary>
/// The keepalive's clock on a live connection: receiving reads no clock (a message costs no time lookup); bytes that
/// arrived since the last heartbeat count as received at the first heartbeat that sees them, and the interval runs from
/// there. The heartbeat's times are given here, so nothing waits.
/// </summary>
public class KeepAliveClockTests
{
    // A ping with no payload, as the server sends it: 2 bytes of header.
    private const int KeepAlivePingBytes = 2;

    private static readonly WebSocketConnectionOptions OneSecond = new()
    {
        KeepAliveInterval = TimeSpan.FromSeconds(1),
        KeepAliveTimeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void bytes_that_arrived_since_the_last_heartbeat_count_as_received_at_that_heartbeat()
    {
        var (transport, connection) = Open();
        long opened = Environment.TickCount64;
        transport.Arrive();
        long echoed = transport.BytesSent;
        Assert.True(echoed > 0, "the message was not echoed");

        // A minute later by the heartbeat's clock: the bytes it has not seen yet are its "last received", so no ping ...
        connection.OnHeartbeat(opened + 60_000);
        connection.OnHeartbeat(opened + 60_500);
        Assert.Equal(echoed, transport.BytesSent);

        // ... until a whole interval has passed since that heartbeat with nothing new.
        connection.OnHeartbeat(opened + 61_000);
        Assert.Equal(echoed + KeepAlivePingBytes, transport.BytesSent);
    }

    [Fact]
    public void a_peer_silent_for_the_interval_since_the_connection_opened_is_pinged_at_the_next_heartbeat()
    {
        var (transport, connection) = Open();
        long opened = Environment.TickCount64;

        connection.OnHeartbeat(opened + 60_000);

        Assert.Equal(KeepAlivePingBytes, transport.BytesSent);
    }

    private static (ReadyFramesTransport Transport, WebSocketConnection Connection) Open()
    {
        var (transport, connection) = ReadyConnection.Open(OneSecond);
        new MessagePump(Server.TestServer.EchoHandler.Instance, new Owner()).Start(connection);
        return (transport, connection);
    }

    private sealed class Owner : IMessagePumpOwner
    {
        public CancellationToken Stopping => CancellationToken.None;

        public void HandlerFailed(WebSocketConnection connection, Exception exception) => throw exception;

        public void PumpEnded(WebSocketConnection connection) => throw new InvalidOperationException("the pump ended");
    }
}
