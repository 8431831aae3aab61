using Ws101;
using Ws101.AspNetCore;

namespace AspNetCoreEcho;

/// <summary>
/// An ASP.NET Core app that serves a Ws101 echo endpoint at /echo beside an ordinary page at /, with permessage-deflate
/// (RFC 7692) accepted from clients that offer it, as browsers do.
/// </summary>
public static class EchoApp
{
    /// <summary>Builds the app; <c>--urls http://127.0.0.1:PORT</c> chooses where it listens.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var app = builder.Build();
        app.MapGet("/", () => "An ASP.NET Core app with a Ws101 echo endpoint at /echo.\n");
        app.MapWs101("/echo", EchoAsync, new WebSocketRouteOptions
        {
            Compression = new PerMessageDeflateOptions(),
        });
        return app;
    }

    /// <summary>Sends every message back as it came.</summary>
    public static async Task EchoAsync(WebSocketConnection ws, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ws.ReceiveAsync(cancellationToken);
            if (message.IsClose)
            {
                return;
            }
            if (message.Kind is WebSocketMessageKind.Text or WebSocketMessageKind.Binary)
            {
                await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, cancellationToken);
            }
        }
    }
}
