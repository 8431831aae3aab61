using Ws101;

namespace Ws101.DocSamples;

internal static class Readme
{
    public static async Task Server()
    {
await using var server = new WebSocketServer(new WebSocketServerOptions());   // 127.0.0.1:8080 by default
server.Map("/echo", async (ws, stopping) =>
{
    while (true)
    {
        var message = await ws.ReceiveAsync(stopping);  // whole messages; Data is valid until the next receive
        if (message.IsClose) return;                    // the close status and reason are on the message
        await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, stopping);
    }
});
await server.StartAsync();
await Task.Delay(Timeout.Infinite);   // serve until the process is stopped (disposing the server stops it)
    }

    public static async Task Client()
    {
await using var ws = await WebSocketClient.ConnectAsync(new Uri("ws://127.0.0.1:8080/echo"));
await ws.SendTextAsync("hello");
Console.WriteLine((await ws.ReceiveAsync()).GetText());
await ws.CloseAsync();
    }
}
