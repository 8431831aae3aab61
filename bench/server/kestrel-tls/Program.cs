// KestrelTlsEcho PORT CERT.pem KEY.pem: an echo server on wss://127.0.0.1:PORT/ (any path), Kestrel with
// UseWebSockets over TLS, as bench/server/run.sh's anchor for wss://. Run it with
// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for the tuned variant, as the plain anchor is.
using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

if (args.Length != 3 || !int.TryParse(args[0], out int port))
{
    Console.Error.WriteLine("usage: KestrelTlsEcho PORT CERT.pem KEY.pem");
    return 2;
}
using var certificate = X509Certificate2.CreateFromPemFile(args[1], args[2]);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MaxConcurrentUpgradedConnections = null;
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(https =>
    {
        https.ServerCertificate = certificate;
        https.SslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12;
    }));
});
var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.Run(async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await EchoLoop.RunAsync(socket);
});
Console.WriteLine($"KestrelTlsEcho listening on wss://127.0.0.1:{port}/ inline={Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "0"}");
await app.RunAsync();
return 0;

/// <summary>Sends every message back as it came, frame by frame; holds a buffer only while a message is in flight.</summary>
internal static class EchoLoop
{
    private const int BufferSize = 16 * 1024;

    public static async Task RunAsync(WebSocket socket)
    {
        try
        {
            while (true)
            {
                // An empty read waits for the next message without holding a buffer, as the plain anchor does.
                var first = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (first.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                if (first.EndOfMessage)
                {
                    await socket.SendAsync(ReadOnlyMemory<byte>.Empty, first.MessageType, true, CancellationToken.None);
                    continue;
                }
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    ValueWebSocketReceiveResult part;
                    do
                    {
                        part = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                        if (part.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }
                        await socket.SendAsync(buffer.AsMemory(0, part.Count), part.MessageType, part.EndOfMessage, CancellationToken.None);
                    }
                    while (!part.EndOfMessage);
                    if (part.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The client went away: nothing to echo to.
        }
    }
}
