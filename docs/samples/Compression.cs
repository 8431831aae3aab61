using Microsoft.AspNetCore.Builder;
using Ws101;
using Ws101.AspNetCore;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Server;

namespace Ws101.DocSamples;

internal static class CompressionSample
{
    public static async Task Use(Uri uri, string json, byte[] jpeg, byte[] part)
    {
// Server: every route (or one route through WebSocketRouteOptions.Connection)
var server = new WebSocketServer(new WebSocketServerOptions
{
    Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
});
// Client: offers "permessage-deflate"
var ws = await WebSocketClient.ConnectAsync(uri, new WebSocketClientOptions
{
    Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
});
var agreement = ws.PerMessageDeflate;                        // the agreement, or null when not in use
await ws.SendTextAsync(json);                                // compressed when ≥ MinimumMessageSize
await ws.SendBinaryAsync(jpeg, MessageCompression.Never);    // per message: Auto, Always, Never
await ws.SendAsync(part, WebSocketMessageKind.Text, endOfMessage: false, MessageCompression.Auto); // streamed: the first part decides
        Console.WriteLine(agreement);
        await server.DisposeAsync();
        await ws.DisposeAsync();
    }

    public static void AspNetCore(WebApplication app)
    {
app.MapWs101("/echo", EchoAsync, new WebSocketRouteOptions
{
    Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
});
    }

    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken ct)
    {
        await foreach (var m in ws.ReadAllAsync(ct))
            await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
    }
}
