using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ws101;
using Ws101.AspNetCore;

namespace Ws101.DocSamples;

internal static class GettingStarted
{
    public static async Task ServerWithRoutes(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 8080)],
            MaxMessageSize = 4 * 1024 * 1024,
            KeepAliveInterval = TimeSpan.FromSeconds(20),
        };
        await using var server = new WebSocketServer(options);

        server.Map("/chat", async (ws, stopping) =>
        {
            await foreach (var message in ws.ReadAllAsync(stopping))
            {
                Console.WriteLine($"{ws.RemoteEndPoint}: {message.GetText()}");
            }
            Console.WriteLine($"closed with {(int?)ws.CloseStatus} {ws.CloseReason}");
        }, new WebSocketRouteOptions
        {
            Subprotocols = ["chat.v2", "chat.v1"],
            OnUpgrade = request => request.Origin == "https://example.com"
                ? UpgradeDecision.Accept()
                : UpgradeDecision.Reject(403, "This origin may not connect."),
        });

        await server.StartAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public static void MapPresence(WebSocketServer server) => server.Map("/presence", new Presence());

    sealed class Presence : WebSocketMessageHandler
    {
        public override ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            // The request's headers are read here: once this returns, the connection lets them go.
            connection.UserState = connection.Handshake.RequestHeaders.GetFirst("X-User") ?? "anonymous";
            return ValueTask.CompletedTask;
        }

        public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
            connection.SendTextAsync($"{connection.UserState}: {message.GetText()}", cancellationToken);

        public override void OnClosed(WebSocketConnection connection) =>
            Console.WriteLine($"{connection.UserState} left with {(int?)connection.CloseStatus}");
    }

    public static async Task ClientWithOptions()
    {
        var options = new WebSocketClientOptions
        {
            Subprotocols = ["chat.v2"],
            Headers = [new("Authorization", "Bearer token")],
            HandshakeTimeout = TimeSpan.FromSeconds(5),
        };
        try
        {
            await using var ws = await WebSocketClient.ConnectAsync(new Uri("wss://example.com/chat"), options);
            await ws.SendTextAsync("hi");
        }
        catch (WebSocketHandshakeException ex)
        {
            foreach (var problem in ex.Problems)
            {
                Console.WriteLine($"{problem.Id}: {problem.Explanation} Fix: {problem.Fix}");
            }
        }
    }

    public static void AspNetCore(string[] args)
    {
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapWs101("/echo", async (ws, ct) =>
{
    await foreach (var m in ws.ReadAllAsync(ct))
        await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
});
app.Run();
    }

    public static void Diagnostics(string[] args)
    {
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.UseWs101HandshakeDiagnostics(new Ws101HandshakeDiagnosticsOptions { RespondToInvalidUpgrades = true });
app.UseWebSockets();
        app.Run();
    }

    public static void Hosted(string[] args)
    {
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddWs101Server(builder.Configuration.GetSection("Ws101"), ws101 =>
    ws101.Map("/echo", async (ws, ct) =>
    {
        await foreach (var m in ws.ReadAllAsync(ct))
            await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
    }));
builder.Build().Run();
    }

    public static async Task Reconnecting()
    {
await using var ws = await ReconnectingWebSocket.ConnectAsync(new Uri("ws://127.0.0.1:8080/chat"));
ws.Reconnected += connection => Console.WriteLine("back online");
while (true)
{
    var message = await ws.ReceiveAsync();   // reconnects by itself after 1001 or 1006
    if (message.IsClose) break;
    Console.WriteLine(message.GetText());
}
    }

    public static async Task OnTheEventLoop()
    {
var options = new WebSocketClientOptions { UseEventLoop = true };
await using var ws = await WebSocketClient.ConnectAsync(new Uri("ws://127.0.0.1:8080/echo"), options);
    }
}
