using System.Collections.Concurrent;

namespace Ws101.Tests.PubSub;

/// <summary>Receives text messages "P:SEQ" on one connection and records, per publisher P, the sequence numbers in arrival order.</summary>
internal sealed class MessageRecorder
{
    private long _count;

    public ConcurrentDictionary<string, List<long>> Seen { get; } = new();

    public long Count => Interlocked.Read(ref _count);

    public Task RunAsync(WebSocketConnection ws, CancellationToken ct) => Task.Run(async () =>
    {
        while (true)
        {
            var m = await ws.ReceiveAsync(ct);
            if (m.IsClose)
            {
                return;
            }
            Record(m.GetText());
        }
    }, ct);

    public void Record(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        var list = Seen.GetOrAdd(text[..colon], _ => []);
        lock (list)
        {
            list.Add(long.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
        Interlocked.Increment(ref _count);
    }

    /// <summary>The numbers from publisher <paramref name="publisher"/>, in arrival order (a copy).</summary>
    public long[] From(string publisher)
    {
        if (!Seen.TryGetValue(publisher, out var list))
        {
            return [];
        }
        lock (list)
        {
            return [.. list];
        }
    }

    /// <summary>The last number from <paramref name="publisher"/>, or -1.</summary>
    public long Last(string publisher)
    {
        if (!Seen.TryGetValue(publisher, out var list))
        {
            return -1;
        }
        lock (list)
        {
            return list.Count == 0 ? -1 : list[^1];
        }
    }
}
