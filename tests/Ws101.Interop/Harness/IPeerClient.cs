namespace Ws101.Interop.Harness;

/// <summary>
/// A WebSocket client we did not write, driven by a <see cref="PeerScript"/>: point it at any ws://
/// or wss:// URL (a peer server, Kestrel, or tomorrow our own server) and read what it saw.
/// </summary>
public interface IPeerClient
{
    /// <summary>A short name for messages and test output ("node-ws", "python-websockets", "chromium").</summary>
    string Name { get; }

    /// <summary>
    /// Connects to <paramref name="url"/>, runs the script's steps, closes, and returns every event.
    /// Bounded by the script's timeouts; a failed run comes back as a transcript that is not
    /// <see cref="PeerTranscript.Succeeded"/> (call <see cref="PeerTranscript.EnsureSucceeded"/>), never as a hang.
    /// </summary>
    Task<PeerTranscript> RunClientAsync(Uri url, PeerScript script, CancellationToken cancellationToken = default);
}
