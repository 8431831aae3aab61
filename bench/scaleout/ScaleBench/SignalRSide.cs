using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ScaleBench;

/// <summary>The SignalR side: SignalRNode processes, subscribers on /hub (.NET client, WebSockets, no negotiation), a publisher invoking Publish.</summary>
internal static class SignalRSide
{
    public static Child StartNode(string program, string host, int port, string redis, string name) =>
        Child.Start(name, program, ["--urls", $"http://{host}:{port}", "--redis", redis]);

    private static HubConnection Build(Uri uri) => new HubConnectionBuilder()
        .WithUrl(uri, o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        })
        .Build();

    public static async Task<Func<Task>> SubscribeAsync(Uri uri, int who, Tally tally, CancellationToken ct)
    {
        var connection = Build(uri);
        connection.On<long, long>("m", (seq, ts) => tally.Record(who, seq, ts));
        await connection.StartAsync(ct);
        return async () => await connection.DisposeAsync();
    }

    public sealed class Publisher(HubConnection connection) : IPublisher
    {
        private long _failed, _outstanding;

        public static async Task<Publisher> ConnectAsync(Uri uri, CancellationToken ct)
        {
            var connection = Build(uri);
            await connection.StartAsync(ct);
            return new Publisher(connection);
        }

        /// <summary>Invocations that failed: the hub told the publisher the message did not go out.</summary>
        public long Failed => Interlocked.Read(ref _failed);

        public ValueTask PublishAsync(long seq, long scheduled)
        {
            // Not awaited: an invocation waits for the backplane, which may hang while Redis is down; the publisher keeps its pace.
            Interlocked.Increment(ref _outstanding);
            _ = connection.InvokeAsync("Publish", seq, scheduled).ContinueWith(t =>
            {
                if (!t.IsCompletedSuccessfully)
                {
                    Interlocked.Increment(ref _failed);
                }
                Interlocked.Decrement(ref _outstanding);
            }, TaskScheduler.Default);
            return ValueTask.CompletedTask;
        }

        public async Task DrainAsync(TimeSpan limit)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (Interlocked.Read(ref _outstanding) > 0 && watch.Elapsed < limit)
            {
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync() => await connection.DisposeAsync();
    }
}
