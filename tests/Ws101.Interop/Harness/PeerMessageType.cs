namespace Ws101.Interop.Harness;

/// <summary>The two WebSocket message types as the peers' JSON lines name them.</summary>
public static class PeerMessageType
{
    /// <summary>A text message (opcode 0x1).</summary>
    public const string Text = "text";

    /// <summary>A binary message (opcode 0x2).</summary>
    public const string Binary = "binary";
}
