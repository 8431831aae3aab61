using System.Buffers;
using Ws101.Benchmarks.Connection;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Tests.Connection;

/// <summary>
/// A message pump's turn on a transport that knows exactly what can be read (the event loop's): one read per message,
/// the handler, and back to waiting for readiness. After the handler the pump asks whether anything more has come; when
/// the transport can tell at no cost that nothing has, the pump waits again at once, neither renting a buffer nor reading
/// to find nothing, and holds no buffer while it waits.
/// </summary>
public class MessagePumpTurnTests
{
    [Fact]
    public void each_message_costs_one_read_and_the_pump_waits_again_holding_no_buffer()
    {
        byte[] payload = "twenty bytes of echo"u8.ToArray();
        var client = new WebSocketConnectionCore(WebSocketRole.Client);
        var wire = new ArrayBufferWriter<byte>();
        client.WriteMessage(wire, WebSocketMessageKind.Binary, payload);
        var transport = new ReadyFramesTransport(wire.WrittenSpan.ToArray());
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, WebSocketConnectionOptions.Default,
            new WebSocketHandshakeInfo("/echo", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);
        var owner = new Owner();
        new MessagePump(Server.TestServer.EchoHandler.Instance, owner).Start(connection);
        int readsAtStart = transport.ReadsNow;

        for (int i = 1; i <= 3; i++)
        {
            transport.Arrive();
            // The echo: an unmasked frame, 2 bytes of header and the payload.
            Assert.Equal(i * (2 + payload.Length), transport.BytesSent);
            Assert.Equal(i, transport.ReadsNow - readsAtStart);
            Assert.Equal(0, connection.HeldBufferBytes);
        }
        Assert.Empty(owner.Failures);
    }

    private sealed class Owner : IMessagePumpOwner
    {
        public List<Exception> Failures { get; } = [];

        public CancellationToken Stopping => CancellationToken.None;

        public void HandlerFailed(WebSocketConnection connection, Exception exception) => Failures.Add(exception);

        public void PumpEnded(WebSocketConnection connection) => Failures.Add(new InvalidOperationException("the pump ended"));
    }
}
