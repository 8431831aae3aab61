using System.Buffers;

namespace Ws101.Fuzz;

/// <summary>Cuts data as a transport would receive it, so that the fuzzer moves frame and line boundaries.</summary>
internal static class Chunks
{
    /// <summary>Cuts <paramref name="data"/> into chunks of the plan's lengths, in turn; an empty plan gives one chunk.</summary>
    public static List<byte[]> Cut(ReadOnlySpan<byte> data, int[] plan)
    {
        var chunks = new List<byte[]>();
        if (plan.Length == 0)
        {
            chunks.Add(data.ToArray());
            return chunks;
        }
        int at = 0;
        for (int i = 0; at < data.Length; i++)
        {
            int n = Math.Min(plan[i % plan.Length], data.Length - at);
            chunks.Add(data.Slice(at, n).ToArray());
            at += n;
        }
        return chunks;
    }

    /// <summary>
    /// One sequence over the chunks, one segment each, as a pipe hands over bytes that arrived in several reads (the
    /// unit tests build their multi-segment inputs with it too).
    /// </summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<ReadOnlyMemory<byte>> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        if (chunks.Count == 1)
        {
            return new ReadOnlySequence<byte>(chunks[0]);
        }
        var first = new Segment(chunks[0], 0);
        var last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
