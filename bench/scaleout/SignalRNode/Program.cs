// bench/scaleout/SignalRNode: one SignalR node of the head-to-head, as an application would write it: a hub at /hub whose
// Publish(seq, ts) sends ("m", seq, ts) to every other connection, on every node sharing the Redis backplane.
//
//   SignalRNode --urls http://127.0.0.1:PORT --redis HOST:PORT
//
// It prints "ready" once listening, and at stop how many publishes failed (the backplane refused them: the hub method
// threw, so the caller was told).
using Microsoft.AspNetCore.SignalR;

var builder = WebApplication.CreateSlimBuilder(args);
string redis = builder.Configuration["redis"] ?? throw new ArgumentException("--redis HOST:PORT is required");
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<Failures>();
builder.Services.AddSignalR(o => o.MaximumParallelInvocationsPerClient = 64)
    .AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("bench"));
var app = builder.Build();
app.MapHub<BenchHub>("/hub");
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("ready"));
app.Lifetime.ApplicationStopping.Register(() =>
{
    var f = app.Services.GetRequiredService<Failures>();
    Console.WriteLine($"SignalR: publishes {f.Published}, failed {f.Failed}.");
});
app.Run();

internal sealed class Failures
{
    public long Published;
    public long Failed;
}

internal sealed class BenchHub(Failures failures) : Hub
{
    public async Task Publish(long seq, long ts)
    {
        Interlocked.Increment(ref failures.Published);
        try
        {
            await Clients.Others.SendAsync("m", seq, ts);
        }
        catch
        {
            Interlocked.Increment(ref failures.Failed);
            throw;
        }
    }
}
