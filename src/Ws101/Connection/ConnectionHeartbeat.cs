using System.Collections.Concurrent;

namespace Ws101;

/// <summary>
/// One timer for many connections: once a second it gives each registered connection the time, and each asks its
/// <see cref="KeepAlive"/> whether to send a keepalive ping or to drop a peer past a deadline. One timer per connection
/// would cost memory on every idle connection; this costs a dictionary entry.
/// </summary>
internal sealed class ConnectionHeartbeat : IDisposable
{
    private readonly ConcurrentDictionary<WebSocketConnection, byte> _connections = new();
    private readonly Timer _timer;
    private readonly Action<WebSocketConnection> _unregister;
    private OverlapGuard _ticking;

    public ConnectionHeartbeat(TimeSpan period)
    {
        _unregister = Unregister;
        _timer = new Timer(static state => ((ConnectionHeartbeat)state!).Tick(), this, period, period);
    }

    /// <summary>The heartbeat shared by client connections.</summary>
    public static ConnectionHeartbeat Shared { get; } = new(TimeSpan.FromSeconds(1));

    public int Count => _connections.Count;

    public IEnumerable<WebSocketConnection> Connections => _connections.Keys;

    /// <summary>Gives <paramref name="connection"/> the time from now on, until it ends.</summary>
    public void Register(WebSocketConnection connection)
    {
        _connections.TryAdd(connection, 0);
        connection.Ended += _unregister;
        if (connection.HasEnded)
        {
            Unregister(connection);
        }
    }

    public void Unregister(WebSocketConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>Gives every connection the time, unless another tick is still doing so (<see cref="OverlapGuard"/>).</summary>
    private void Tick()
    {
        // As the server's tick (WebSocketServer.Tick): two ticks at once would ask each connection's keepalive twice in the
        // same second, and do twice the work when there is least time for it.
        if (!_ticking.TryEnter())
        {
            return;
        }
        try
        {
            long now = Environment.TickCount64;
            foreach (var entry in _connections)
            {
                entry.Key.OnHeartbeat(now);
            }
        }
        finally
        {
            _ticking.Exit();
        }
    }

    public void Dispose() => _timer.Dispose();
}
