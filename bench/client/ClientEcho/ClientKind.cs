namespace Ws101.Bench.Client;

/// <summary>The two clients measured.</summary>
internal enum ClientKind
{
    /// <summary>Ws101's <c>WebSocketClient.ConnectAsync</c> and <c>WebSocketConnection</c>.</summary>
    Ws101,
    /// <summary>.NET's <c>System.Net.WebSockets.ClientWebSocket</c>, the anchor.</summary>
    ClientWebSocket,
}
