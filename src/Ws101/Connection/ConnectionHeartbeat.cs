using System.Collections.Concurrent;

namespace Ws101;

/// <summary>
/// One timer for many connections: once a second it gives each registered connection the time, and each
/// decides whether to send a keepalive ping or to drop a peer past a deadline. One timer per connection
/// would cost memory on every idle connection; this costs a dictionary entry.
/// </summary>
internal sealed class ConnectionHeartbeat : IDisposable
{
    private readonly ConcurrentDictionary<WebSocketConnection, byte> _connections = new();
    private readonly Timer _timer;

    public ConnectionHeartbeat(TimeSpan period)
    {
        _timer = new Timer(static state => ((ConnectionHeartbeat)state!).Tick(), this, period, period);
    }

    /// <summary>The heartbeat shared by client connections.</summary>
    public static ConnectionHeartbeat Shared { get; } = new(TimeSpan.FromSeconds(1));

    public int Count => _connections.Count;

    public IEnumerable<WebSocketConnection> Connections => _connections.Keys;

    public void Register(WebSocketConnection connection) => _connections.TryAdd(connection, 0);

    public void Unregister(WebSocketConnection connection) => _connections.TryRemove(connection, out _);

    private void Tick()
    {
        long now = Environment.TickCount64;
        foreach (var entry in _connections)
        {
            entry.Key.OnHeartbeat(now);
        }
    }

    public void Dispose() => _timer.Dispose();
}
