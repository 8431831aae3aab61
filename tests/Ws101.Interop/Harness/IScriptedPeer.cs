namespace Ws101.Interop.Harness;

/// <summary>A WebSocket implementation we did not write that can play both roles: a scripted client and a scripted echo server.</summary>
public interface IScriptedPeer : IPeerClient
{
    /// <summary>
    /// Starts a server on 127.0.0.1 (a port the OS picks) that runs <paramref name="script"/> on every
    /// connection and echoes unless <see cref="PeerScript.Echo"/> is false; returns once it is listening.
    /// </summary>
    Task<IPeerServer> StartServerAsync(PeerScript? script = null, CancellationToken cancellationToken = default);
}
