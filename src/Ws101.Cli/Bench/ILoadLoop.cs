namespace Ws101.Cli.Bench;

/// <summary>One share of a run's connections and what it counted: an epoll loop over plain sockets (<see cref="LoadLoop"/>), or TLS connections for wss:// (<see cref="TlsLoadLoop"/>).</summary>
internal interface ILoadLoop : IDisposable
{
    /// <summary>Which loop this is (0 holds the fanout publisher).</summary>
    int Id { get; }

    /// <summary>What this loop counted.</summary>
    LoopStats Stats { get; }

    /// <summary>Set when the loop died of an unexpected exception (reported, never swallowed).</summary>
    Exception? Fault { get; }

    /// <summary>Starts the loop on its own thread.</summary>
    void Start();

    /// <summary>Waits for the loop to end (after <see cref="RunSchedule.RequestStop"/>).</summary>
    bool Join(TimeSpan timeout);
}
