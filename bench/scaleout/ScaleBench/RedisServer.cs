namespace ScaleBench;

/// <summary>redis-server on 127.0.0.1 with an append-only file fsynced at every write, so that a crash loses nothing it acknowledged.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scalebench-redis-").FullName;
    private Child? _child;

    public int Port { get; } = Child.FreePort();

    public string Address => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        _child = Child.Start("redis", "redis-server",
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--loglevel", "warning"]);
        await _child.WaitListeningAsync("127.0.0.1", Port, TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGKILL: Redis crashes.</summary>
    public void Crash() => _child?.Dispose();

    public void Dispose()
    {
        _child?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
