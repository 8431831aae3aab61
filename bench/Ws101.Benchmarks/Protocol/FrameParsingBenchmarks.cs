using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ws101.Protocol;

namespace Ws101.Benchmarks.Protocol;

/// <summary>
/// Frames parsed per second by <see cref="WebSocketConnectionCore.TryReceive(ref ReadOnlySequence{byte}, out ProtocolEvent)"/>:
/// a buffer of binary frames (one read's worth), parsed, unmasked in place and delivered as whole messages.
/// The time reported is per frame (OperationsPerInvoke); frames/s = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class FrameParsingBenchmarks
{
    private const int Frames = 64;
    private byte[] _wire = [];
    private WebSocketConnectionCore _receiver = null!;

    /// <summary>Payload bytes per frame.</summary>
    [Params(16, 16384)]
    public int Payload { get; set; }

    /// <summary>Server: receives masked frames from a client. Client: receives unmasked frames from a server.</summary>
    [Params(WebSocketRole.Server, WebSocketRole.Client)]
    public WebSocketRole Receiver { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sender = new WebSocketConnectionCore(Receiver == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server);
        var output = new ArrayBufferWriter<byte>();
        byte[] payload = new byte[Payload];
        new Random(1).NextBytes(payload);
        for (int i = 0; i < Frames; i++)
        {
            sender.WriteMessage(output, WebSocketMessageKind.Binary, payload);
        }
        _wire = output.WrittenSpan.ToArray();
        _receiver = new WebSocketConnectionCore(Receiver);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "TryReceive, whole messages")]
    public long Parse()
    {
        // Unmasking in place flips the payload each run; binary messages do not care.
        var buffer = new ReadOnlySequence<byte>(_wire);
        long total = 0;
        while (_receiver.TryReceive(ref buffer, out ProtocolEvent ev))
        {
            total += ev.Payload.Length;
        }
        return total;
    }
}
