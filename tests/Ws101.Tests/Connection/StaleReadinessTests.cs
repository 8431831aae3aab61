using System.Net;
using System.Threading.Channels;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101.Tests.Connection;

/// <summary>
/// A readiness edge can come for bytes an earlier read already took: on the event loop, two segments that arrive while the
/// loop is busy are taken by one read, and the second edge wakes the idle wait with nothing to read. On a transport that
/// tells exactly what can be read now, the connection then reads nothing and waits again holding no buffer; it never sits in
/// a receive that holds its 16 KiB buffer until the next message, and it costs no extra system call to find out.
/// </summary>
public class StaleReadinessTests
{
    [Fact]
    public async Task a_wake_with_nothing_to_read_waits_again_without_a_buffer_and_the_next_message_still_arrives()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var transport = new ScriptedTransport();
        var connection = new WebSocketConnection(transport, WebSocketRole.Client, WebSocketConnectionOptions.Default,
            new WebSocketHandshakeInfo("/", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);

        var receive = connection.ReceiveAsync(ct).AsTask();
        Assert.Equal("wait", await transport.Steps.ReadAsync(ct));
        transport.Wake();
        // The stale edge: woken, nothing there. The next step is a wait for readiness again, not a receive holding a buffer.
        Assert.Equal("read-now: nothing", await transport.Steps.ReadAsync(ct));
        Assert.Equal("wait", await transport.Steps.ReadAsync(ct));
        Assert.Equal(0, connection.HeldBufferBytes);
        Assert.False(receive.IsCompleted);

        // A server's text frame "hi" (unmasked, FIN), then its edge.
        transport.Arrive([0x81, 0x02, (byte)'h', (byte)'i']);
        transport.Wake();
        Assert.Equal("read-now: 4 bytes", await transport.Steps.ReadAsync(ct));
        var message = await receive.WaitAsync(ct);
        Assert.Equal("hi", message.GetText());
        Assert.Equal(0, transport.ReceivesThatWaited);
    }

    /// <summary>A transport driven step by step: the test decides when readiness comes and what is there to read.</summary>
    private sealed class ScriptedTransport : DuplexTransport
    {
        private readonly Channel<string> _steps = Channel.CreateUnbounded<string>();
        private readonly Queue<byte[]> _arrived = new();
        private TaskCompletionSource<int>? _wait;

        public ChannelReader<string> Steps => _steps.Reader;

        public int ReceivesThatWaited { get; private set; }

        public void Arrive(byte[] bytes)
        {
            lock (_arrived)
            {
                _arrived.Enqueue(bytes);
            }
        }

        public void Wake() => Interlocked.Exchange(ref _wait, null)!.SetResult(0);

        public override EndPoint? RemoteEndPoint => null;

        public override EndPoint? LocalEndPoint => null;

        public override bool ReceivesNowExactly => true;

        public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
        {
            var wait = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _wait = wait;
            _steps.Writer.TryWrite("wait");
            return new ValueTask<int>(wait.Task);
        }

        public override int TryReceiveNow(Span<byte> buffer)
        {
            lock (_arrived)
            {
                if (_arrived.TryDequeue(out var bytes))
                {
                    bytes.CopyTo(buffer);
                    _steps.Writer.TryWrite($"read-now: {bytes.Length} bytes");
                    return bytes.Length;
                }
            }
            _steps.Writer.TryWrite("read-now: nothing");
            return -1;
        }

        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            // Only reached if the connection waits in a receive, holding the buffer it passes: what this test forbids.
            ReceivesThatWaited++;
            _steps.Writer.TryWrite($"receive holding {buffer.Length} bytes");
            return new ValueTask<int>(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => 0, TaskScheduler.Default));
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override void ShutdownSend()
        {
        }

        public override void Abort()
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
