using System.Buffers.Text;
using Ws101;

namespace ScaleBench;

/// <summary>The Ws101 side: <c>ws101 serve</c> nodes, subscribers on <c>/topic/bench</c>, a publisher that sends "SEQ:TS" on it.</summary>
internal static class Ws101Side
{
    public static Child StartNode(string ws101, string host, int port, string redis, int history, string name, double backlogSeconds = 0)
    {
        var args = new List<string> { "serve", "--host", host, "--port", port.ToString(), "--redis", redis, "--quiet" };
        if (history > 0)
        {
            args.AddRange(["--history", history.ToString()]);
        }
        if (backlogSeconds > 0)
        {
            args.AddRange(["--redis-backlog", backlogSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        return Child.Start(name, ws101, args);
    }

    /// <summary>
    /// A subscriber: with positions, it reads the JSON form and, when its connection drops, reconnects with the last
    /// position it saw (the library's <see cref="ReconnectingWebSocket"/> does that) and counts what came back.
    /// </summary>
    public static async Task<Func<Task>> SubscribeAsync(Uri uri, int who, Tally tally, bool positions, CancellationToken ct)
    {
        if (!positions)
        {
            var ws = await WebSocketClient.ConnectAsync(uri, cancellationToken: ct);
            var loop = Task.Run(async () =>
            {
                while (true)
                {
                    WebSocketMessage m;
                    try
                    {
                        m = await ws.ReceiveAsync(ct);
                    }
                    catch (Exception) when (ct.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        tally.RecordEnded(who, ex.GetType().Name);
                        return;
                    }
                    if (m.IsClose)
                    {
                        if (!ct.IsCancellationRequested)
                        {
                            tally.RecordEnded(who, $"{(int?)m.CloseStatus} {m.CloseReason}");
                        }
                        return;
                    }
                    if (Parse(m.Data.Span, out long seq, out long ts))
                    {
                        tally.Record(who, seq, ts);
                    }
                }
            }, ct);
            return async () =>
            {
                ws.Abort();
                await loop.ContinueWith(_ => { }, TaskScheduler.Default);
            };
        }
        var resuming = await ReconnectingWebSocket.ConnectAsync(new Uri(uri + (uri.Query.Length > 0 ? "&" : "?") + "positions=1"),
            reconnect: new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), ResumeTopic = true }, cancellationToken: ct);
        var resumeLoop = Task.Run(async () =>
        {
            while (true)
            {
                WebSocketMessage m;
                try
                {
                    m = await resuming.ReceiveAsync(ct);
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    return;
                }
                if (m.IsClose)
                {
                    return;
                }
                if (PositionedMessage.TryRead(m, out var p) && p.Position is not null
                    && Parse(System.Text.Encoding.UTF8.GetBytes(p.Text!), out long seq, out long ts))
                {
                    tally.Record(who, seq, ts);
                }
            }
        }, ct);
        return async () =>
        {
            await resuming.DisposeAsync();
            await resumeLoop.ContinueWith(_ => { }, TaskScheduler.Default);
        };
    }

    private static bool Parse(ReadOnlySpan<byte> text, out long seq, out long ts)
    {
        ts = 0;
        int colon = text.IndexOf((byte)':');
        return Utf8Parser.TryParse(text[..Math.Max(colon, 0)], out seq, out _) & colon > 0 && Utf8Parser.TryParse(text[(colon + 1)..], out ts, out _);
    }

    public sealed class Publisher(WebSocketConnection ws) : IPublisher
    {
        public static async Task<Publisher> ConnectAsync(Uri uri, CancellationToken ct) =>
            new(await WebSocketClient.ConnectAsync(uri, cancellationToken: ct));

        public long Failed => 0;

        public async ValueTask PublishAsync(long seq, long scheduled) => await ws.SendTextAsync($"{seq}:{scheduled}");

        public async ValueTask DisposeAsync() => await ws.DisposeAsync();
    }

    /// <summary>"Topics: published ..., lost L, missed M, ..." from a node's last lines.</summary>
    public static (long Lost, long Missed, long Recovered, long Delayed, long BacklogDropped) ReadStatistics(Child node)
    {
        foreach (var line in node.Lines.Reverse())
        {
            if (line.StartsWith("Topics:", StringComparison.Ordinal))
            {
                return (Field(line, "lost"), Field(line, "missed"), Field(line, "recovered"), Field(line, "delayed"), Field(line, "backlog-dropped"));
            }
        }
        return (-1, -1, -1, -1, -1);
    }

    private static long Field(string line, string name)
    {
        int at = line.IndexOf(" " + name + " ", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }
        var rest = line.AsSpan(at + name.Length + 2);
        int end = rest.IndexOfAny(',', '.');
        return long.Parse(end < 0 ? rest : rest[..end]);
    }
}
