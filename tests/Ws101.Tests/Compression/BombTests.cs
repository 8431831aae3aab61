using System.IO.Compression;
using System.Net;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Compression;

/// <summary>
/// A decompression bomb: 1 GiB of zeros, deflated (about 1 MB on the wire) and sent as one message in frames, generated
/// as it is sent so that the test never holds it. The server must stop with 1009 at its limit, never inflating it all.
/// </summary>
[Collection(nameof(BombTests))]
[CollectionDefinition(nameof(BombTests), DisableParallelization = true)]
public class BombTests
{
    private const long OneGiB = 1L << 30;
    private const int Limit = 4 * 1024 * 1024;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Theory]
    [InlineData(ReceiveMode.WholeMessages)]
    [InlineData(ReceiveMode.Streaming)]
    public async Task a_gibibyte_of_zeros_is_stopped_at_the_limit_with_1009_and_memory_stays_bounded(ReceiveMode mode)
    {
        var closed = new TaskCompletionSource<(CloseCode?, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Connection = new WebSocketConnectionOptions
            {
                Compression = new PerMessageDeflateOptions(),
                Protocol = new ProtocolOptions { ReceiveMode = mode, MaxMessageSize = Limit, MaxFrameSize = Limit },
            },
        });
        server.Map("/sink", async (ws, ct) =>
        {
            long delivered = 0;
            while (true)
            {
                var m = await ws.ReceiveAsync(ct);
                if (m.IsClose)
                {
                    closed.TrySetResult((m.CloseStatus, delivered));
                    return;
                }
                delivered += m.Data.Length;
            }
        });
        await server.StartAsync(TestContext.Current.CancellationToken);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(forceFullCollection: true);

        await using var peer = await RawPeer.ConnectAsync(server.EndPoints[0].Port, "/sink", "permessage-deflate", Timeout);
        Assert.Contains("permessage-deflate", peer.ResponseHead, StringComparison.Ordinal);
        var sink = new MemoryStream();
        long sentCompressed = 0, fed = 0;
        bool first = true, broken = false;
        var zeros = new byte[1024 * 1024];
        using (var deflate = new DeflateStream(sink, CompressionLevel.Optimal, leaveOpen: true))
        {
            while (fed < OneGiB && !broken && !closed.Task.IsCompleted)
            {
                deflate.Write(zeros);
                fed += zeros.Length;
                if (sink.Length < 64 * 1024 && fed < OneGiB)
                {
                    continue;
                }
                deflate.Flush();
                try
                {
                    // RSV1 on the first frame only (RFC 7692 §6.1); the last frame (FIN) comes after the loop.
                    await peer.SendFrameAsync(first ? (byte)0x42 : (byte)0x00, sink.ToArray(), Timeout);
                }
                catch (IOException)
                {
                    broken = true;
                }
                sentCompressed += sink.Length;
                sink.SetLength(0);
                first = false;
            }
        }
        if (!broken && !closed.Task.IsCompleted)
        {
            try
            {
                await peer.SendFrameAsync(0x80, Array.Empty<byte>(), Timeout);
            }
            catch (IOException)
            {
            }
        }
        var (status, delivered) = await closed.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(CloseCode.MessageTooBig, status);
        Assert.True(delivered <= Limit, $"the application saw {delivered} bytes");
        // The close frame reaches the peer (unless the stack reset the connection under our still-arriving frames).
        var frame = await peer.ReadFrameAsync(Timeout);
        if (frame is { } close)
        {
            Assert.Equal(0x88, close.First);
            Assert.Equal(1009, (close.Payload[0] << 8) | close.Payload[1]);
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long growth = after - before;
        Console.WriteLine($"{mode}: sent {sentCompressed} compressed bytes for {fed} zeros; managed heap grew {growth} bytes");
        // The limit is 4 MiB: the reassembly buffer (whole messages) and the inflation buffer are each bounded by it; both grow
        // by doubling through ArrayPool.Shared, which keeps the smaller arrays it was given back (about as much again), and
        // the test's own 1 MiB of zeros is alive. About 18 MB measured in either mode: bounded by the limit, not by the bomb.
        Assert.True(growth < 6 * Limit, $"the managed heap grew by {growth} bytes; sent {sentCompressed} compressed bytes for {fed} zeros");
        Assert.True(growth < OneGiB / 32);
        if (mode == ReceiveMode.Streaming)
        {
            // Inflated as it arrives, the bomb is stopped after its first few kilobytes: the sender is cut off long before 1 GiB.
            Assert.True(fed < OneGiB, $"fed {fed}");
        }
    }
}
