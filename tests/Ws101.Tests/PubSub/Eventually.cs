using System.Diagnostics;

namespace Ws101.Tests.PubSub;

/// <summary>Waits on a condition, polling, for at most a given time; fails the test with what was awaited.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what()}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan limit, Func<string> what) =>
        TrueAsync(() => Task.FromResult(condition()), limit, what);
}
