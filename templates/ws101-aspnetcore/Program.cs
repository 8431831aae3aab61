using Ws101;
using Ws101.AspNetCore;

// Ws101 WebSocket endpoints inside an ASP.NET Core app:
//   /                 an ordinary page
//   /echo            sends every message back
//   /topic/{name}    each message goes to every other client on that topic
// Run it with `dotnet run`, or `dotnet run -- --urls http://127.0.0.1:5080`.
// Refused upgrades are answered with a status and a reason and logged with their problem code; the "Ws101" Meter
// counts connections, handshakes, messages and bytes (`dotnet-counters monitor -n Ws101AspNetCore --counters Ws101`).

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(services => new WebSocketTopics(new WebSocketTopicsOptions
{
    LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
}));
var app = builder.Build();
var topics = app.Services.GetRequiredService<WebSocketTopics>();

app.MapGet("/", () => "Ws101AspNetCore: a WebSocket echo at /echo, topics at /topic/{name}.\n");

app.MapWs101("/echo", async (ws, stopping) =>
{
    while (true)
    {
        var message = await ws.ReceiveAsync(stopping);   // whole messages; Data is valid until the next receive
        if (message.IsClose)
        {
            return;
        }
        await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, stopping);
    }
});

app.MapWs101("/topic/{name}", async (ws, stopping) =>
{
    string topic = Uri.UnescapeDataString(ws.Handshake.Path["/topic/".Length..]);
    topics.Subscribe(ws, topic);   // the subscription ends by itself when the connection closes
    while (true)
    {
        var message = await ws.ReceiveAsync(stopping);
        if (message.IsClose)
        {
            return;
        }
        if (message.Kind is WebSocketMessageKind.Text or WebSocketMessageKind.Binary && message.EndOfMessage)
        {
            topics.Publish(topic, message.Data.Span, message.Kind, except: ws);   // framed once for every subscriber
        }
    }
});

await topics.StartAsync();
app.Run();
