using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Ws101;
using Ws101.AspNetCore;
using Ws101.Client;
using Ws101.Handshake;

namespace Ws101.DocSamples;

internal static class Http2
{
    public static async Task KestrelWithHttp2(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // TLS: ALPN offers h2 and http/1.1; browsers take h2 and open WebSockets as RFC 8441 streams.
            kestrel.Listen(IPAddress.Loopback, 8443, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps("server.pfx", "password");
            });
            // h2c (HTTP/2 without TLS, prior knowledge): for tests and for a proxy in front; browsers never use it.
            kestrel.Listen(IPAddress.Loopback, 8080, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.MapWs101("/echo", async (ws, stopping) =>
        {
            Console.WriteLine($"opened over HTTP/{ws.Handshake.HttpVersion}");
            await foreach (var message in ws.ReadAllAsync(stopping))
            {
                await ws.SendTextAsync(message.GetText(), stopping);
            }
        });
        await app.RunAsync();
    }

    public static async Task HostedRoutesThroughKestrel(string[] args)
    {
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddWs101Server(builder.Configuration.GetSection("Ws101"), ws101 =>
    ws101.Map("/echo", async (ws, ct) =>
    {
        await foreach (var m in ws.ReadAllAsync(ct))
            await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
    }));
var app = builder.Build();
// The same /echo on Kestrel's endpoints too: HTTP/1.1 upgrades, and RFC 8441 streams over HTTP/2.
app.MapWs101Routes();
await app.RunAsync();
    }

    public static async Task ClientOverHttp2()
    {
        var options = new WebSocketClientOptions { HttpVersion = WebSocketHttpVersion.Http2OrHttp11 };
        try
        {
            await using var ws = await WebSocketClient.ConnectAsync(new Uri("wss://example.com/echo"), options);
            Console.WriteLine($"HTTP/{ws.Handshake.HttpVersion}: {ws.Handshake.ResponseText}");
        }
        catch (WebSocketHandshakeException ex) when (ex.Problems[0].Code == HandshakeProblemCode.ExtendedConnectNotSupported)
        {
            // Only with HttpVersion = Http2: the server (or a proxy) speaks HTTP/2 without RFC 8441; HTTP/1.1 may work.
            Console.WriteLine(ex.Message);
            Console.WriteLine(ex.RequestText);
        }
    }
}
