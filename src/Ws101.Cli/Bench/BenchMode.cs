namespace Ws101.Cli.Bench;

/// <summary>What a <c>ws101 bench</c> run measures.</summary>
internal enum BenchMode
{
    /// <summary>Closed loop per connection: send one message, wait for its whole echo, check it, send the next.</summary>
    Echo,

    /// <summary>Concurrent loops of connect, upgrade, closing handshake, close.</summary>
    Handshakes,

    /// <summary>Open the connections and hold them, answering pings; the server's memory per connection with its pid.</summary>
    Idle,

    /// <summary>One publisher at a steady rate, the other connections subscribed to the same topic; end-to-end latency.</summary>
    Fanout,
}
