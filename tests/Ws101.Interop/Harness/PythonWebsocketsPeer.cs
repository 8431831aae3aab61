namespace Ws101.Interop.Harness;

/// <summary>
/// Python's <c>websockets</c> (Debian's python3-websockets) as a scripted client or echo server:
/// tests/peers/python/peer.py run by <see cref="PeerEnvironment.Python"/>, with the same command line
/// and JSON-lines protocol as <see cref="NodeWsPeer"/>.
/// </summary>
public sealed class PythonWebsocketsPeer : ScriptedProcessPeer
{
    /// <summary>The one instance; the peer keeps no state between runs.</summary>
    public static PythonWebsocketsPeer Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "python-websockets";

    /// <inheritdoc/>
    protected override string Program => PeerEnvironment.Python;

    /// <inheritdoc/>
    protected override string ScriptPath => Path.Combine(PeerEnvironment.PythonPeerDirectory, "peer.py");

    /// <inheritdoc/>
    protected override void EnsureInstalled()
    {
        if (Path.IsPathRooted(PeerEnvironment.Python) && !File.Exists(PeerEnvironment.Python))
        {
            throw new InvalidOperationException($"{PeerEnvironment.Python} is missing: run scripts/install-test-deps.sh (it installs Debian's python3-websockets).");
        }
    }
}
