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
    private int _ticking;

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

    /// <summary>Gives every connection the time, unless another tick is still doing so.</summary>
    private void Tick()
    {
        // A System.Threading.Timer queues its callback each period whether or not the last one returned (as the server's
        // tick, WebSocketServer.Tick): on a busy machine two would walk the connections at once, twice the work when
        // there is least time for it, and each connection's keepalive asked twice in the same second.
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
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
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
