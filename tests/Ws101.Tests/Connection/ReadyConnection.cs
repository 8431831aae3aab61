using System.Buffers;
using Ws101.Benchmarks.Connection;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Tests.Connection;

/// <summary>A server connection over a <see cref="ReadyFramesTransport"/> whose every edge brings one 20-byte binary message.</summary>
internal static class ReadyConnection
{
    public static (ReadyFramesTransport Transport, WebSocketConnection Connection) Open(WebSocketConnectionOptions? options = null)
    {
        var client = new WebSocketConnectionCore(WebSocketRole.Client);
        var wire = new ArrayBufferWriter<byte>();
        client.WriteMessage(wire, WebSocketMessageKind.Binary, "twenty bytes of echo"u8);
        var transport = new ReadyFramesTransport(wire.WrittenSpan.ToArray());
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, options ?? WebSocketConnectionOptions.Default,
            new WebSocketHandshakeInfo("/echo", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);
        return (transport, connection);
    }
}
