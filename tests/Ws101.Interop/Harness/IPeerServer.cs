namespace Ws101.Interop.Harness;

/// <summary>
/// A running WebSocket server that a test started on 127.0.0.1: point any client (a peer client, or
/// tomorrow our own) at <see cref="Url"/>, then read or await the events the server reported.
/// Disposal stops it.
/// </summary>
public interface IPeerServer : IAsyncDisposable
{
    /// <summary>A short name for messages ("node-ws server", "kestrel").</summary>
    string Name { get; }

    /// <summary>The base URL, ws://127.0.0.1:PORT/ or wss://127.0.0.1:PORT/; any path is served.</summary>
    Uri Url { get; }

    /// <summary>The events so far (each with its <see cref="PeerEvent.Connection"/> number).</summary>
    IReadOnlyList<PeerEvent> Events { get; }

    /// <summary>Waits for an event that matches, failing with <see cref="Diagnostics"/> after <paramref name="timeout"/> (default <see cref="PeerTimeouts.Step"/>).</summary>
    Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>What the server printed or recorded, for assertion messages.</summary>
    string Diagnostics();
}
