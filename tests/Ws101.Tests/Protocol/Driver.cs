using System.Buffers;
using System.Runtime.InteropServices;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

/// <summary>
/// Drives a <see cref="WebSocketConnectionCore"/> the way a pipe-based transport does: bytes arrive in chunks, each
/// chunk becomes a new buffer segment after the unconsumed rest of the previous ones (so frames straddle segments),
/// events are collected until <c>TryReceive</c> returns false, and pending output is drained after every call.
/// </summary>
internal sealed class Driver
{
    private readonly List<ReadOnlyMemory<byte>> _unconsumed = [];
    private MemoryStream? _streamed;

    public Driver(WebSocketRole role, ProtocolOptions? options = null, PerMessageDeflateAgreement? deflate = null,
        PerMessageDeflateOptions? deflateOptions = null)
    {
        Core = new WebSocketConnectionCore(role, options, deflate, deflateOptions);
    }

    public WebSocketConnectionCore Core { get; }

    /// <summary>Events, with streamed fragments joined into messages.</summary>
    public List<Seen> Events { get; } = [];

    /// <summary>Every event as the core returned it (fragments not joined), as descriptions.</summary>
    public List<string> Raw { get; } = [];

    /// <summary>How many Fragment events arrived.</summary>
    public int FragmentEvents { get; private set; }

    /// <summary>Everything the core queued as pending output (pongs, close replies).</summary>
    public ArrayBufferWriter<byte> Output { get; } = new();

    /// <summary>Bytes fed so far.</summary>
    public long Fed { get; private set; }

    /// <summary>How many bytes had been fed when the core failed the connection; null while it has not.</summary>
    public long? FedAtError { get; private set; }

    /// <summary>Bytes handed to the core and not consumed yet.</summary>
    public long Unconsumed => _unconsumed.Sum(m => (long)m.Length);

    /// <summary>Feeds <paramref name="wire"/> (copied) in one chunk.</summary>
    public Driver Feed(byte[] wire) => Feed(wire, [wire.Length]);

    /// <summary>Feeds <paramref name="wire"/> (copied) in chunks of the given sizes, repeated until all is fed.</summary>
    public Driver Feed(byte[] wire, IReadOnlyList<int> chunkSizes)
    {
        int at = 0;
        int next = 0;
        while (at < wire.Length)
        {
            int size = Math.Clamp(chunkSizes[next++ % chunkSizes.Count], 1, wire.Length - at);
            Arrive(wire.AsSpan(at, size));
            at += size;
        }
        if (wire.Length == 0)
        {
            Arrive([]);
        }
        return this;
    }

    /// <summary>Feeds one byte at a time.</summary>
    public Driver Trickle(byte[] wire) => Feed(wire, [1]);

    /// <summary>Feeds in random chunk sizes between 1 and <paramref name="max"/>.</summary>
    public Driver FeedRandomly(byte[] wire, Random random, int max)
    {
        var sizes = new List<int>();
        for (long total = 0; total < wire.Length;)
        {
            int size = random.Next(1, max + 1);
            sizes.Add(size);
            total += size;
        }
        return Feed(wire, sizes.Count == 0 ? [1] : sizes);
    }

    private void Arrive(ReadOnlySpan<byte> chunk)
    {
        if (!chunk.IsEmpty)
        {
            _unconsumed.Add(chunk.ToArray());
        }
        Fed += chunk.Length;
        ReadOnlySequence<byte> buffer = Sequence(_unconsumed);
        while (true)
        {
            bool produced = Core.TryReceive(ref buffer, out ProtocolEvent ev);
            Core.WritePendingOutput(Output);
            if (!produced)
            {
                break;
            }
            Record(ev);
        }
        _unconsumed.Clear();
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            if (!segment.IsEmpty)
            {
                _unconsumed.Add(segment);
            }
        }
    }

    private void Record(ProtocolEvent ev)
    {
        Raw.Add(ev.ToString());
        byte[] payload = ev.Payload.ToArray();
        switch (ev.Kind)
        {
            case ProtocolEventKind.Fragment:
                FragmentEvents++;
                _streamed ??= new MemoryStream();
                _streamed.Write(payload);
                if (ev.EndOfMessage)
                {
                    Events.Add(Seen.Message(ev.MessageKind, _streamed.ToArray()));
                    _streamed = null;
                }
                break;
            case ProtocolEventKind.Message:
                Events.Add(Seen.Message(ev.MessageKind, payload));
                break;
            case ProtocolEventKind.Ping:
                Events.Add(Seen.Ping(payload));
                break;
            case ProtocolEventKind.Pong:
                Events.Add(Seen.Pong(payload));
                break;
            case ProtocolEventKind.Close:
                Events.Add(new Seen(ProtocolEventKind.Close, Convert.ToHexString(payload), Code: (int)ev.CloseStatus, Reason: ev.CloseReason));
                break;
            case ProtocolEventKind.Error:
                Assert.False(string.IsNullOrWhiteSpace(ev.CloseReason));
                FedAtError ??= Fed;
                Events.Add(Seen.Error(ev.CloseStatus));
                break;
        }
    }

    /// <summary>The frames written as pending output, decoded.</summary>
    public List<(int FirstByte, bool Masked, byte[] Payload)> OutputFrames => Wire.Decode(Output.WrittenSpan);

    /// <summary>The last event, which for a failed connection is the Error.</summary>
    public Seen Last => Events[^1];

    internal static ReadOnlySequence<byte> Sequence(IReadOnlyList<ReadOnlyMemory<byte>> segments) => Ws101.Fuzz.Chunks.Sequence(segments);

    /// <summary>True when <paramref name="memory"/> is backed by an array (for assertions about zero-copy delivery).</summary>
    public static bool IsArrayBacked(ReadOnlyMemory<byte> memory) => MemoryMarshal.TryGetArray(memory, out _);
}
