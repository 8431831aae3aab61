using Microsoft.AspNetCore.Builder;
using Ws101;
using Ws101.AspNetCore;

namespace Ws101.DocSamples;

internal static class CompressionSample
{
    public static async Task Use(Uri uri, string json, byte[] jpeg, byte[] part)
    {
// Server: every route (or one route through WebSocketRouteOptions.Compression)
var server = new WebSocketServer(new WebSocketServerOptions
{
    Compression = new PerMessageDeflateOptions(),
});
// Client: offers "permessage-deflate"
var ws = await WebSocketClient.ConnectAsync(uri, new WebSocketClientOptions
{
    Compression = new PerMessageDeflateOptions(),
});
bool compressed = ws.IsCompressed;                          // whether the server agreed to it
await ws.SendTextAsync(json);                                // compressed when ≥ MinimumMessageSize
await ws.SendBinaryAsync(jpeg, MessageCompression.Never);    // per message: Auto, Always, Never
await ws.SendAsync(part, WebSocketMessageKind.Text, endOfMessage: false, MessageCompression.Auto); // streamed: the first part decides
        Console.WriteLine(compressed);
        await server.DisposeAsync();
        await ws.DisposeAsync();
    }

    public static void AspNetCore(WebApplication app)
    {
app.MapWs101("/echo", EchoAsync, new WebSocketRouteOptions
{
    Compression = new PerMessageDeflateOptions(),
});
    }

    private static async Task EchoAsync(WebSocketConnection ws, CancellationToken ct)
    {
        await foreach (var m in ws.ReadAllAsync(ct))
            await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
    }
}
