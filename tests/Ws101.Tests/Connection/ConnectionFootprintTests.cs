using Ws101.Benchmarks.Connection;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Tests.Connection;

/// <summary>
/// What every idle connection carries beside its transport and its handshake's outcome: the connection, its protocol core
/// and its frame writer, and nothing else (docs/performance.md, "Idle connections"). A server holding 100,000 mostly idle
/// sockets pays these bytes 100,000 times, so a field added here is a cost to weigh.
/// </summary>
public class ConnectionFootprintTests
{
    [Fact]
    public void a_server_connection_is_three_objects_of_440_bytes_in_all()
    {
        var handshake = new WebSocketHandshakeInfo("/echo", new HttpHeaders(), new HttpHeaders(), null, [], "", "");
        var transport = new ReadyFramesTransport([]);
        _ = new WebSocketConnection(transport, WebSocketRole.Server, WebSocketConnectionOptions.Default, handshake, default);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, WebSocketConnectionOptions.Default, handshake, default);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        GC.KeepAlive(connection);
        // WebSocketConnection 184, WebSocketConnectionCore 176, FrameWriter 80.
        Assert.InRange(allocated, 1, 440);
    }

    [Fact]
    public void a_received_message_is_a_value_of_at_most_48_bytes()
    {
        // Copied at every step from the parse to the handler (and inside every ValueTask of one): the failure's evidence,
        // which only a failed connection's close carries, is a reference, not 48 bytes inline (MessagePathBenchmarks: 373
        // -> 318 ns per 1 KiB echo).
        Assert.InRange(System.Runtime.CompilerServices.Unsafe.SizeOf<WebSocketMessage>(), 1, 48);
    }
}
