using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ws101.Interop.Harness;

/// <summary>
/// An ASP.NET Core (Kestrel) WebSocket echo server in this process, on 127.0.0.1 and a port the OS
/// picks, serving every path. It reports events in the same shape as the peer scripts (open, message,
/// sent, close, error) so a test reads it like any other <see cref="IPeerServer"/>.
/// </summary>
public sealed class KestrelEchoServer : IPeerServer
{
    private readonly WebApplication _app;
    private readonly KestrelEchoOptions _options;
    private readonly WaitableLog<PeerEvent> _events = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _nextConnection;

    private KestrelEchoServer(WebApplication app, KestrelEchoOptions options)
    {
        _app = app;
        _options = options;
        Url = new Uri("ws://127.0.0.1/");
    }

    /// <inheritdoc/>
    public string Name => "kestrel";

    /// <inheritdoc/>
    public Uri Url { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<PeerEvent> Events => _events.Snapshot();

    /// <summary>Starts the server and returns once it listens.</summary>
    public static async Task<KestrelEchoServer> StartAsync(KestrelEchoOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KestrelEchoOptions();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (options.HttpProtocols is { } protocols)
                {
                    listen.Protocols = protocols;
                }
                if (options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate.Certificate);
                }
            });
            kestrel.Limits.MaxRequestBodySize = options.MaxMessageBytes;
        });
        WebApplication app = builder.Build();
        var server = new KestrelEchoServer(app, options);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.KeepAliveInterval ?? TimeSpan.Zero });
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var bound = new Uri(address);
        server.Url = new Uri($"{(options.Certificate is null ? "ws" : "wss")}://127.0.0.1:{bound.Port}/");
        return server;
    }

    /// <inheritdoc/>
    public Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _events.WaitForAsync(match, $"kestrel: {description}", timeout ?? PeerTimeouts.Step, Diagnostics, cancellationToken);

    /// <inheritdoc/>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        text.Append("--- kestrel at ").Append(Url).AppendLine(", events:");
        foreach (PeerEvent e in _events.Snapshot())
        {
            text.Append("      ").AppendLine(e.ToString());
        }
        return text.ToString();
    }

    /// <summary>Stops the server, aborting connections still open after a short grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var deadline = new CancellationTokenSource(PeerTimeouts.GracefulStop))
        {
            try
            {
                await _app.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Connections that did not finish in time are aborted by the disposal below.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _events.Complete("the kestrel server stopped");
    }

    /// <inheritdoc/>
    public override string ToString() => $"kestrel at {Url}";

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsync("WebSocket upgrade expected\n").ConfigureAwait(false);
            return;
        }
        int conn = Interlocked.Increment(ref _nextConnection);
        string? protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault(p => _options.Protocols.Contains(p));
        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = protocol,
            DangerousEnableCompression = _options.PerMessageDeflate,
        }).ConfigureAwait(false);
        Record(conn, PeerEventKind.Open, new()
        {
            ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
            // "HTTP/1.1", or "HTTP/2" for an RFC 8441 extended CONNECT.
            ["http"] = context.Request.Protocol,
            ["httpConnection"] = context.Connection.Id,
            ["protocol"] = socket.SubProtocol ?? "",
            ["extensions"] = context.Response.Headers.SecWebSocketExtensions.ToString(),
            ["headers"] = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
        });
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.RequestAborted);
        lifetime.CancelAfter(_options.ConnectionLifetime);
        try
        {
            await ServeAsync(socket, conn, lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            Record(conn, PeerEventKind.Error, new() { ["message"] = $"{e.GetType().Name}: {e.Message}" });
            socket.Abort();
        }
        Record(conn, PeerEventKind.Close, new()
        {
            ["code"] = (int?)socket.CloseStatus ?? 1006,
            ["reason"] = socket.CloseStatusDescription ?? "",
        });
    }

    private async Task ServeAsync(WebSocket socket, int conn, CancellationToken cancellationToken)
    {
        int messages = 0;
        if (_options.CloseAfterMessages == 0)
        {
            await socket.CloseAsync(_options.CloseStatus, _options.CloseReason, cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                message.SetLength(0);
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        if (socket.State == WebSocketState.CloseReceived)
                        {
                            // RFC 6455 §5.5.1: answer a close with a close, echoing its status code.
                            await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.Empty, result.CloseStatusDescription, cancellationToken).ConfigureAwait(false);
                        }
                        return;
                    }
                    if (message.Length + result.Count > _options.MaxMessageBytes)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                ReadOnlyMemory<byte> payload = message.GetBuffer().AsMemory(0, (int)message.Length);
                Record(conn, PeerEventKind.Message, Describe(result.MessageType, payload.Span));
                messages++;
                if (_options.Echo)
                {
                    await socket.SendAsync(payload, result.MessageType, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    Record(conn, PeerEventKind.Sent, Describe(result.MessageType, payload.Span));
                }
                if (_options.CloseAfterMessages is { } limit && messages >= limit)
                {
                    await socket.CloseAsync(_options.CloseStatus, _options.CloseReason, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Dictionary<string, object?> Describe(WebSocketMessageType type, ReadOnlySpan<byte> payload)
    {
        var fields = new Dictionary<string, object?>
        {
            ["type"] = type == WebSocketMessageType.Text ? PeerMessageType.Text : PeerMessageType.Binary,
            ["length"] = payload.Length,
            ["sha256"] = Payload.Sha256Hex(payload),
        };
        if (type == WebSocketMessageType.Text && payload.Length <= 1024)
        {
            fields["text"] = Encoding.UTF8.GetString(payload);
        }
        return fields;
    }

    private void Record(int conn, string kind, Dictionary<string, object?> fields)
    {
        fields["conn"] = conn;
        _events.Add(PeerEvent.Create(kind, fields));
    }
}
