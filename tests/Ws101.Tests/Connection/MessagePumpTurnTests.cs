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

    [Fact]
    public void a_handler_still_at_work_holds_the_next_read_back_and_the_pump_watches_again_once_its_task_completes()
    {
        var (transport, connection) = ReadyConnection.Open();
        var handler = new Pending();
        var owner = new Owner();
        new MessagePump(handler, owner).Start(connection);

        for (int i = 1; i <= 2; i++)
        {
            transport.Arrive();
            Assert.Equal(i, handler.Calls);
            // The handler's task is under way: the pump neither reads on nor watches until it completes.
            Assert.False(transport.IsWatched);
            int reads = transport.ReadsNow;
            handler.Complete();
            // Completed (on this thread, as the task's continuation): the pump looks once more, finds nothing, and watches.
            Assert.True(SpinWait.SpinUntil(() => transport.IsWatched, TimeSpan.FromSeconds(10)), "the pump did not wait for readiness again");
            Assert.Equal(reads, transport.ReadsNow);
        }
        Assert.Empty(owner.Failures);
    }

    [Fact]
    public void a_handler_that_throws_before_returning_its_task_fails_the_connection_with_1011_and_is_reported_once()
    {
        var (transport, connection) = ReadyConnection.Open();
        var owner = new Owner();
        new MessagePump(new ThrowsAtOnce(), owner).Start(connection);

        transport.Arrive();

        var failure = Assert.Single(owner.Failures);
        Assert.Equal("thrown before any await", failure.Message);
        // The close frame went out: 2 bytes of header, the code, and the reason.
        Assert.Equal(2 + 2 + System.Text.Encoding.UTF8.GetByteCount(WebSocketMessageHandler.FailedReason), transport.BytesSent);
        Assert.Equal(ConnectionState.CloseSent, connection.State);
    }

    /// <summary>Each message's work completes only when the test says so.</summary>
    private sealed class Pending : WebSocketMessageHandler
    {
        private TaskCompletionSource? _work;

        public int Calls { get; private set; }

        public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken)
        {
            Calls++;
            _work = new TaskCompletionSource();
            return new ValueTask(_work.Task);
        }

        public void Complete() => _work!.SetResult();
    }

    /// <summary>Throws in the call itself, before a task exists (not an async method).</summary>
    private sealed class ThrowsAtOnce : WebSocketMessageHandler
    {
        public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("thrown before any await");
    }

    private sealed class Owner : IMessagePumpOwner
    {
        public List<Exception> Failures { get; } = [];

        public CancellationToken Stopping => CancellationToken.None;

        public void HandlerFailed(WebSocketConnection connection, Exception exception) => Failures.Add(exception);

        public void PumpEnded(WebSocketConnection connection) => Failures.Add(new InvalidOperationException("the pump ended"));
    }
}
