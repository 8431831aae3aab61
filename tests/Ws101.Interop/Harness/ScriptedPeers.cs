namespace Ws101.Interop.Harness;

/// <summary>
/// The scripted peers by name, for theory data (names serialize into test names; instances do not):
/// <c>[MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]</c>, then <see cref="ByName"/>.
/// </summary>
public static class ScriptedPeers
{
    /// <summary>The name of <see cref="NodeWsPeer"/>.</summary>
    public const string Node = "node-ws";

    /// <summary>The name of <see cref="PythonWebsocketsPeer"/>.</summary>
    public const string Python = "python-websockets";

    /// <summary>Every scripted peer.</summary>
    public static IReadOnlyList<IScriptedPeer> All { get; } = [NodeWsPeer.Instance, PythonWebsocketsPeer.Instance];

    /// <summary>The peer with this <see cref="IPeerClient.Name"/>.</summary>
    public static IScriptedPeer ByName(string name) =>
        All.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "not a scripted peer");

    /// <summary>Each scripted peer's name, as theory data.</summary>
    public static TheoryData<string> Names() => [.. All.Select(p => p.Name)];

    /// <summary>Every (client, server) pairing of two different libraries, as theory data.</summary>
    public static TheoryData<string, string> CrossPairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (IScriptedPeer client in All)
        {
            foreach (IScriptedPeer server in All.Where(s => s != client))
            {
                pairs.Add(client.Name, server.Name);
            }
        }
        return pairs;
    }
}
