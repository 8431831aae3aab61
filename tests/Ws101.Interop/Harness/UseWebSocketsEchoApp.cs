using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;

namespace Ws101.Interop.Harness;

/// <summary>
/// An ASP.NET Core application that serves WebSockets with the framework's own <c>UseWebSockets</c>, as most do, with
/// <c>UseWs101HandshakeDiagnostics</c> in front of it: an echo at every path, and for anything that is not a WebSocket
/// request a 404 "no WebSocket here", the answer an invalid upgrade falls through to. On 127.0.0.1 and a free port.
/// </summary>
public sealed class UseWebSocketsEchoApp : IAsyncDisposable
{
    /// <summary>The body of the app's own answer to a request that is not a WebSocket upgrade.</summary>
    public const string NotAWebSocket = "no WebSocket here\n";

    private readonly WebApplication _app;

    private UseWebSocketsEchoApp(WebApplication app, LogCapture log, Uri url)
    {
        _app = app;
        Log = log;
        Url = url;
    }

    /// <summary>ws://127.0.0.1:PORT/echo</summary>
    public Uri Url { get; }

    /// <summary>The app's log.</summary>
    public LogCapture Log { get; }

    /// <summary>Starts the app with <paramref name="options"/> for the diagnostics.</summary>
    public static async Task<UseWebSocketsEchoApp> StartAsync(Ws101HandshakeDiagnosticsOptions? options, CancellationToken cancellationToken = default)
    {
        var log = new LogCapture();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.UseWs101HandshakeDiagnostics(options);
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                context.Response.ContentLength = NotAWebSocket.Length;
                await context.Response.WriteAsync(NotAWebSocket).ConfigureAwait(false);
                return;
            }
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            lifetime.CancelAfter(PeerTimeouts.Run);
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, lifetime.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, lifetime.Token).ConfigureAwait(false);
                        return;
                    }
                    await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, lifetime.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                socket.Abort();
            }
        });
        await app.StartAsync(cancellationToken).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return new UseWebSocketsEchoApp(app, log, new Uri($"ws://127.0.0.1:{bound.Port}/echo"));
    }

    /// <summary>Stops the app.</summary>
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
                // Connections still open are aborted by the disposal below.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
