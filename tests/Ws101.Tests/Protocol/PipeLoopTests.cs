using System.Buffers;
using System.IO.Pipelines;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// The core driven by a real System.IO.Pipelines loop, the way the transport will drive it (DESIGN.md "Layers"): small
// pipe segments, frames straddling reads, replies flushed to the other side, TCP closed when the core says so (§7.1.1).
[Collection(ProtocolCollection.Name)]
public class PipeLoopTests
{
    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public async Task a_pipe_reader_loop_receives_messages_answers_pings_and_completes_the_closing_handshake(WebSocketRole role)
    {
        var inbound = new Pipe(new PipeOptions(minimumSegmentSize: 512, pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false));
        var outbound = new Pipe();
        var core = new WebSocketConnectionCore(role);
        byte[] big = new byte[300_000];
        new Random(2).NextBytes(big);
        byte[] wire = Wire.Concat(Wire.Text(role, "hello"), Wire.Ping(role, [42]), Wire.Binary(role, big), Wire.Close(role, 1000, "done"));

        // The peer writes in odd-sized pieces; the pause threshold means the reader must consume partial frames.
        Task peer = Task.Run(async () =>
        {
            for (int at = 0; at < wire.Length; at += 777)
            {
                await inbound.Writer.WriteAsync(wire.AsMemory(at, Math.Min(777, wire.Length - at)));
            }
            await inbound.Writer.CompleteAsync();
        }, TestContext.Current.CancellationToken);

        var messages = new List<byte[]>();
        CloseCode? closed = null;
        PipeReader reader = inbound.Reader;
        while (true)
        {
            ReadResult result = await reader.ReadAsync(TestContext.Current.CancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (core.TryReceive(ref buffer, out ProtocolEvent ev))
            {
                if (ev.Kind == ProtocolEventKind.Message)
                {
                    messages.Add(ev.Payload.ToArray());
                }
                else if (ev.Kind == ProtocolEventKind.Close)
                {
                    closed = ev.CloseStatus;
                }
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (core.HasPendingOutput)
            {
                core.WritePendingOutput(outbound.Writer);
                await outbound.Writer.FlushAsync(TestContext.Current.CancellationToken);
            }
            if (core.ShouldCloseTransport || result.IsCompleted)
            {
                break;
            }
        }
        await reader.CompleteAsync();
        await peer;

        Assert.Equal(2, messages.Count);
        Assert.Equal(big, messages[1]);
        Assert.Equal(CloseCode.NormalClosure, closed);
        Assert.Equal(ConnectionState.Closed, core.State);
        // The server closes TCP as soon as the handshake is done; the client would wait for the server to.
        Assert.Equal(role == WebSocketRole.Server, core.ShouldCloseTransport);

        await outbound.Writer.CompleteAsync();
        ReadResult replies = await outbound.Reader.ReadAsync(TestContext.Current.CancellationToken);
        var frames = Wire.Decode(replies.Buffer.ToArray());
        Assert.Equal([0x8A, 0x88], frames.Select(f => f.FirstByte));
        Assert.Equal([42], frames[0].Payload);
    }
}
