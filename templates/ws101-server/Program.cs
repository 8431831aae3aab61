using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Ws101;
using Ws101Server;

// A standalone WebSocket server (no ASP.NET Core needed):
//   ws://127.0.0.1:8080/echo        sends every message back
//   ws://127.0.0.1:8080/topic/NAME  each message goes to every other client on topic NAME
// Run it with `dotnet run`, or `dotnet run -- --port 9000`; try it with `ws101 connect ws://127.0.0.1:8080/echo`.

int port = Settings.Port(args);

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(LogLevel.Information));
ILogger log = loggerFactory.CreateLogger("Ws101Server");

// Metrics: Ws101 counts connections, handshakes (refusals by problem code), messages and bytes on its "Ws101" Meter.
// MetricsLog writes them to the log every 30 s; `dotnet-counters monitor -n Ws101Server --counters Ws101` reads the same.
using var metrics = new MetricsLog(log, TimeSpan.FromSeconds(30));

await using var topics = new WebSocketTopics(new WebSocketTopicsOptions { LoggerFactory = loggerFactory });
await using var server = new WebSocketServer(new WebSocketServerOptions
{
    EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],   // IPAddress.Any to listen on every interface
    LoggerFactory = loggerFactory,
});

server.Map("/echo", async (ws, stopping) =>
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

server.Map("/topic/*", async (ws, stopping) =>
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
}, new WebSocketRouteOptions
{
    // Refused upgrades are answered with a status and a reason, and logged with their problem code.
    OnUpgrade = request => request.Path.Length > "/topic/".Length
        ? UpgradeDecision.Accept()
        : UpgradeDecision.Reject(404, "Use /topic/NAME."),
});

await topics.StartAsync();
await server.StartAsync();
foreach (var endPoint in server.EndPoints)
{
    log.LogInformation("Listening on ws://{EndPoint}/echo and ws://{EndPoint}/topic/NAME", endPoint, endPoint);
}

// Ctrl+C or SIGTERM: stop accepting, close every connection with 1001 (going away), then exit.
var stop = new TaskCompletionSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; stop.TrySetResult(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.TrySetResult(); });
await stop.Task;
log.LogInformation("Stopping: closing {Count} connection(s)", server.ConnectionCount);
await server.StopAsync(CancellationToken.None);
metrics.Write();
