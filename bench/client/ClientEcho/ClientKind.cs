namespace Ws101.Bench.Client;

/// <summary>The two clients measured.</summary>
internal enum ClientKind
{
    /// <summary>Ws101's <c>WebSocketClient.ConnectAsync</c> and <c>WebSocketConnection</c>.</summary>
    Ws101,
    /// <summary>Ws101's client with <c>UseEventLoop</c>: the connection on a Ws101 event loop, as the server's are.</summary>
    Ws101EventLoop,
    /// <summary>.NET's <c>System.Net.WebSockets.ClientWebSocket</c>, the anchor.</summary>
    ClientWebSocket,
}
