using System.Diagnostics;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// Traffic through a Redis crash: publishes "A:N" on one hub every 2 ms, kills Redis (SIGKILL) after 1 s and starts it
/// again 2 s later, and goes on until <c>resumed</c> says the other nodes have had a message published after the
/// restart, plus one more second (at most <c>limit</c>).
/// </summary>
internal static class RedisRestartUnderTraffic
{
    /// <returns>How many were published, and how long after the restart delivery resumed (null: never).</returns>
    public static async Task<(long Published, TimeSpan? ResumedAfter)> RunAsync(
        WebSocketTopics publisher, string topic, RedisProcess redis, Func<long, bool> resumed, TimeSpan limit, CancellationToken ct)
    {
        long published = 0, restartedAt = -1;
        TimeSpan? resumedAfter = null;
        var watch = Stopwatch.StartNew();
        bool killed = false;
        while (watch.Elapsed < limit)
        {
            publisher.Publish(topic, $"A:{published}");
            published++;
            if (!killed && watch.Elapsed > TimeSpan.FromSeconds(1))
            {
                redis.Kill();
                killed = true;
            }
            else if (killed && restartedAt < 0 && watch.Elapsed > TimeSpan.FromSeconds(3))
            {
                await redis.RestartAsync();
                restartedAt = published;
                watch.Restart();
            }
            else if (restartedAt >= 0 && resumedAfter is null && resumed(restartedAt))
            {
                resumedAfter = watch.Elapsed;
            }
            if (resumedAfter is { } r && watch.Elapsed > r + TimeSpan.FromSeconds(1))
            {
                break;
            }
            await Task.Delay(2, ct);
        }
        return (published, resumedAfter);
    }
}
