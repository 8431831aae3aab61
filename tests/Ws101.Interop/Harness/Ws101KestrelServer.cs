using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Harness;

/// <summary>
/// Ws101 inside ASP.NET Core: Kestrel on 127.0.0.1 and a free port with <c>MapWs101("/echo")</c>, over HTTP/1.1 and
/// HTTP/2 with a certificate (ALPN), or HTTP/2 alone without one (h2c), where WebSockets are RFC 8441 streams. Optionally
/// serves the Chromium harness page on <c>/</c> so that a browser loads it over the same HTTP/2 connection.
/// <c>/echo</c> echoes every message (<c>/members</c> refuses every upgrade with 403); the text <c>close CODE REASON</c> makes the server close with that code and reason;
/// the text <c>ping</c> makes it ping the client and answer <c>pong N ms</c>. Every open and close is an event with the
/// HTTP version the server's handshake info reports.
/// </summary>
public sealed class Ws101KestrelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WaitableLog<PeerEvent> _events = new();
    private int _next;

    private Ws101KestrelServer(WebApplication app) => _app = app;

    /// <summary>ws:// or wss://127.0.0.1:PORT/echo.</summary>
    public Uri EchoUrl { get; private set; } = new("ws://127.0.0.1/");

    /// <summary>http:// or https://127.0.0.1:PORT/ (the harness page when served).</summary>
    public Uri PageUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every event so far: open (with "http": "1.1" or "2", the subprotocol and extensions), close.</summary>
    public IReadOnlyList<PeerEvent> Events => _events.Snapshot();

    /// <summary>Starts serving.</summary>
    /// <param name="certificate">Serve TLS with HTTP/1.1 and HTTP/2 (ALPN); null serves <paramref name="protocols"/> in clear.</param>
    /// <param name="protocols">The HTTP versions; default HTTP/1.1 and HTTP/2 with a certificate, HTTP/2 (h2c) without.</param>
    /// <param name="compress">Accept permessage-deflate.</param>
    /// <param name="servePage">Serve the Chromium harness page on <c>/</c>.</param>
    /// <param name="cancellationToken">Ends the wait for the start.</param>
    public static async Task<Ws101KestrelServer> StartAsync(TestCertificate? certificate, HttpProtocols? protocols = null, bool compress = false,
        bool servePage = false, CancellationToken cancellationToken = default)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = protocols ?? (certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2);
            if (certificate is not null)
            {
                listen.UseHttps(certificate.Certificate);
            }
        }));
        WebApplication app = builder.Build();
        var server = new Ws101KestrelServer(app);
        var route = new WebSocketRouteOptions
        {
            Subprotocols = ["chat", "superchat"],
            Compression = compress ? new PerMessageDeflateOptions() : null,
            MaxMessageSize = 4 * 1024 * 1024,
        };
        app.MapWs101("/echo", server.EchoAsync, route);
        // Refuses every upgrade, as an application's Origin or credential check would.
        app.MapWs101("/members", server.EchoAsync, route with { OnUpgrade = _ => UpgradeDecision.Reject(403, "members only") });
        if (servePage)
        {
            string html = ChromiumPageHost.ReadPage();
            app.MapGet("/", (HttpContext context) =>
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync(html);
            });
        }
        await app.StartAsync(cancellationToken).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        server.EchoUrl = new Uri($"{(certificate is null ? "ws" : "wss")}://127.0.0.1:{bound.Port}/echo");
        server.PageUrl = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{bound.Port}/");
        return server;
    }

    /// <summary>Waits for an event.</summary>
    public Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description, CancellationToken cancellationToken = default) =>
        _events.WaitForAsync(match, $"ws101 on kestrel: {description}", PeerTimeouts.Step, Diagnostics, cancellationToken);

    /// <summary>Every event, for a failure message.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder("--- ws101 on kestrel at ").Append(EchoUrl).AppendLine(", events:");
        foreach (PeerEvent e in _events.Snapshot())
        {
            text.Append("      ").AppendLine(e.ToString());
        }
        return text.ToString();
    }

    private async Task EchoAsync(WebSocketConnection ws, CancellationToken stopping)
    {
        int conn = Interlocked.Increment(ref _next);
        _events.Add(PeerEvent.Create(PeerEventKind.Open, new Dictionary<string, object?>
        {
            ["conn"] = conn,
            ["path"] = ws.Handshake.Target,
            ["http"] = ws.Handshake.HttpVersion.ToString(),
            ["protocol"] = ws.Subprotocol ?? "",
            ["extensions"] = ws.Handshake.Extensions.Count == 0 ? "" : Ws101.Handshake.WebSocketExtension.Format(ws.Handshake.Extensions),
            ["request"] = ws.Handshake.RequestText,
            ["response"] = ws.Handshake.ResponseText,
        }));
        while (true)
        {
            var message = await ws.ReceiveAsync(stopping).ConfigureAwait(false);
            if (message.IsClose)
            {
                _events.Add(PeerEvent.Create(PeerEventKind.Close, new Dictionary<string, object?>
                {
                    ["conn"] = conn,
                    ["code"] = (int?)message.CloseStatus ?? 1005,
                    ["reason"] = message.CloseReason ?? "",
                }));
                return;
            }
            if (message.Kind == WebSocketMessageKind.Text && message.GetText() is { } text && text.StartsWith("close ", StringComparison.Ordinal))
            {
                string[] parts = text.Split(' ', 3);
                await ws.CloseAsync((CloseCode)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts.Length > 2 ? parts[2] : "", stopping).ConfigureAwait(false);
                continue;
            }
            if (message.Kind == WebSocketMessageKind.Text && message.GetText() == "ping")
            {
                // The pong is read by this receive loop, so the ping waits beside it.
                _ = Task.Run(async () =>
                {
                    TimeSpan rtt = await ws.PingAsync("server ping"u8.ToArray(), stopping).ConfigureAwait(false);
                    await ws.SendTextAsync($"pong {rtt.TotalMilliseconds:0.###} ms", stopping).ConfigureAwait(false);
                }, stopping);
                continue;
            }
            if (message.Kind is WebSocketMessageKind.Text or WebSocketMessageKind.Binary)
            {
                await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, stopping).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the server, aborting what is still open after a short grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(PeerTimeouts.GracefulStop))
        {
            try
            {
                await _app.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Aborted by the disposal below.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _events.Complete("the server stopped");
    }
}
