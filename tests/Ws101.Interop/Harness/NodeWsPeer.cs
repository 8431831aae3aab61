namespace Ws101.Interop.Harness;

/// <summary>
/// Node's <c>ws</c> library (the version pinned in tests/peers/node/package-lock.json) as a scripted
/// client or echo server: tests/peers/node/peer.js run by <see cref="PeerEnvironment.Node"/>.
/// </summary>
public sealed class NodeWsPeer : ScriptedProcessPeer
{
    /// <summary>The one instance; the peer keeps no state between runs.</summary>
    public static NodeWsPeer Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "node-ws";

    /// <inheritdoc/>
    protected override string Program => PeerEnvironment.Node;

    /// <inheritdoc/>
    protected override string ScriptPath => Path.Combine(PeerEnvironment.NodePeerDirectory, "peer.js");

    /// <inheritdoc/>
    protected override void EnsureInstalled()
    {
        string ws = Path.Combine(PeerEnvironment.NodePeerDirectory, "node_modules", "ws", "package.json");
        if (!File.Exists(ws))
        {
            throw new InvalidOperationException($"Node's ws is not installed ({ws} is missing): run scripts/install-test-deps.sh, or `npm ci` in {PeerEnvironment.NodePeerDirectory}.");
        }
    }
}
