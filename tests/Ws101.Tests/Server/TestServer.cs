using System.Net;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>A server on 127.0.0.1 with a free port and an echo handler, for tests.</summary>
internal static class TestServer
{
    /// <summary>Starts a server whose <c>/echo</c> is <see cref="Echo"/>, or <paramref name="messageHandler"/> when given.</summary>
    public static async Task<WebSocketServer> StartEchoAsync(WebSocketServerOptions? options = null, WebSocketMessageHandler? messageHandler = null)
    {
        var server = new WebSocketServer((options ?? new WebSocketServerOptions()) with { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        _ = messageHandler is null ? server.Map("/echo", Echo) : server.Map("/echo", messageHandler);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public static async Task Echo(WebSocketConnection ws, CancellationToken ct)
    {
        while (true)
        {
            var m = await ws.ReceiveAsync(ct);
            if (m.IsClose)
            {
                return;
            }
            await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
        }
    }

    /// <summary>The echo as a message handler: on the event loop, an idle connection is then plain state (no suspended receive).</summary>
    public sealed class EchoHandler : WebSocketMessageHandler
    {
        public static EchoHandler Instance { get; } = new();

        public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
            connection.SendAsync(message.Data, message.Kind, message.EndOfMessage, cancellationToken);
    }

    public static Uri Url(this WebSocketServer server, string path) => new($"ws://127.0.0.1:{server.EndPoints[0].Port}{path}");
}
