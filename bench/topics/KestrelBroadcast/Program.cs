// The Kestrel broadcast anchor of bench/topics: every WebSocket on /topic/{name} joins one list, and each message a
// socket sends is sent to every other socket by a loop calling SendAsync (the common ASP.NET Core way).
//   KestrelBroadcast PORT
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

int port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 19020;
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
var app = builder.Build();
app.UseWebSockets();
var sockets = new ConcurrentDictionary<WebSocket, byte>();

app.Map("/topic/{name}", async (HttpContext context) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }
    using var ws = await context.WebSockets.AcceptWebSocketAsync();
    sockets[ws] = 0;
    var buffer = new byte[64 * 1024];
    try
    {
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }
            var data = buffer.AsMemory(0, result.Count);
            foreach (var other in sockets.Keys)
            {
                if (other == ws || other.State != WebSocketState.Open)
                {
                    continue;
                }
                try
                {
                    await other.SendAsync(data, result.MessageType, result.EndOfMessage, CancellationToken.None);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }
        }
    }
    catch (WebSocketException)
    {
    }
    finally
    {
        sockets.TryRemove(ws, out _);
    }
});

Console.WriteLine($"KestrelBroadcast listening on ws://127.0.0.1:{port}/topic/NAME");
app.Run();
