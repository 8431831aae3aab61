using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>Names the scripted peers for theory data (names serialize; instances do not).</summary>
internal static class Peers
{
    public const string Node = "node-ws";
    public const string Python = "python-websockets";

    public static IScriptedPeer ByName(string name) => name switch
    {
        Node => NodeWsPeer.Instance,
        Python => PythonWebsocketsPeer.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a scripted peer"),
    };

    /// <summary>Every client/server pairing of two different libraries.</summary>
    public static TheoryData<string, string> CrossPairs() => new() { { Node, Python }, { Python, Node } };

    /// <summary>Each scripted peer once.</summary>
    public static TheoryData<string> Each() => new() { Node, Python };

    /// <summary>A script that sends every wire size as text and as binary, waiting for each echo.</summary>
    public static PeerScript EveryWireSize()
    {
        var script = new PeerScript();
        foreach (int size in Payload.WireSizes)
        {
            script.SendText(size).Receive().SendBinary(size).Receive();
        }
        return script;
    }

    /// <summary>Checks that the sent payloads are exactly the ones <see cref="Payload"/> makes (the peers and C# agree).</summary>
    public static void AssertSentPayloadsMatchTheHarness(PeerTranscript run)
    {
        foreach (PeerEvent sent in run.Sent)
        {
            byte[] expected = Payload.Bytes(sent.Type!, (int)sent.Length!.Value);
            Assert.True(Payload.Sha256Hex(expected) == sent.Sha256, $"{run.Peer} generated a different {sent.Type} payload of {sent.Length} bytes than the harness: {sent}");
        }
    }
}
