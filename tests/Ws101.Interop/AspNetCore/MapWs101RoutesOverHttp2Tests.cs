using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// The routes registered with AddWs101Server, served through ASP.NET Core by MapWs101Routes: on Kestrel with TLS (ALPN
/// h2 and http/1.1) they answer RFC 8441 extended CONNECTs from .NET's ClientWebSocket and our client, with the same
/// handlers, subprotocols, OnUpgrade decisions, permessage-deflate and hosting limits as on the hosted server's own port.
/// </summary>
public sealed class MapWs101RoutesOverHttp2Tests
{
    private const int MaxMessageSize = 64 * 1024;

    [Fact]
    public async Task dotnet_clientwebsocket_over_http2_reaches_the_registered_routes_with_messages_both_ways_and_close_codes()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using RoutesApp app = await RoutesApp.StartAsync(certificate);
        using HttpMessageInvoker invoker = DotnetClientWebSocket.Invoker(certificate);

        using (ClientWebSocket ws = await ConnectClientWebSocketAsync(app.KestrelUrl("/echo"), invoker))
        {
            // The route's subprotocols: the first of the route's that the client offered.
            Assert.Equal("superchat", ws.SubProtocol);
            foreach (int size in new[] { 0, 125, 126, 65_535 })
            {
                foreach (var type in new[] { WebSocketMessageType.Text, WebSocketMessageType.Binary })
                {
                    byte[] payload = Payload.Bytes(type == WebSocketMessageType.Text ? PeerMessageType.Text : PeerMessageType.Binary, size);
                    await ws.SendAsync(payload, type, endOfMessage: true, Step());
                    var (gotType, data) = await ReceiveWholeAsync(ws);
                    Assert.Equal(type, gotType);
                    Assert.Equal(Payload.Sha256Hex(payload), Payload.Sha256Hex(data));
                }
            }
            await ws.CloseAsync((WebSocketCloseStatus)4001, "client bye", Step());
        }
        PeerEvent closed = await app.WaitForEventAsync(e => e.Kind == PeerEventKind.Close, "the client's close");
        Assert.Equal((4001, "client bye"), (closed.Code, closed.Reason));

        using (ClientWebSocket ws = await ConnectClientWebSocketAsync(app.KestrelUrl("/echo"), invoker))
        {
            await ws.SendAsync("close 4002 server bye"u8.ToArray(), WebSocketMessageType.Text, true, Step());
            var (type, _) = await ReceiveWholeAsync(ws);
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(((WebSocketCloseStatus)4002, "server bye"), (ws.CloseStatus, ws.CloseStatusDescription));
        }

        // The handler saw both as HTTP/2 WebSockets, extended CONNECTs answered 200.
        var opens = app.Events.Where(e => e.Kind == PeerEventKind.Open).ToList();
        Assert.Equal(["2.0", "2.0"], opens.Select(e => e.Http));
        Assert.StartsWith(":method: CONNECT\r\n:protocol: websocket\r\n:scheme: https\r\n", opens[0].Json.GetProperty("request").GetString(), StringComparison.Ordinal);
        Assert.Equal(":status: 200\r\nsec-websocket-protocol: superchat\r\n\r\n", opens[0].Json.GetProperty("response").GetString());
    }

    [Fact]
    public async Task our_client_gets_the_same_answers_over_http2_on_kestrel_as_over_http11_on_the_hosted_servers_own_port()
    {
        using TestCertificate certificate = TestCertificate.Create();
        await using RoutesApp app = await RoutesApp.StartAsync(certificate);
        var overHttp2 = new WebSocketClientOptions { HttpVersion = WebSocketHttpVersion.Http2, TrustedCertificate = certificate.Certificate };
        var deflate = WebSocketConnectionOptions.Default with { Compression = new PerMessageDeflateOptions() };
        var ways = new (Func<string, Uri> Url, WebSocketClientOptions Options, Version Http)[]
        {
            (app.KestrelUrl, overHttp2, new Version(2, 0)),
            (app.HostedUrl, new WebSocketClientOptions(), new Version(1, 1)),
        };
        foreach (var (url, options, http) in ways)
        {
            // The route's own connection options: permessage-deflate agreed, messages both ways, our close code seen.
            await using (WebSocketConnection ws = await WebSocketClient.ConnectAsync(url("/deflate"), options with { Connection = deflate }, Step()))
            {
                Assert.Equal(http, ws.Handshake.HttpVersion);
                Assert.Equal("permessage-deflate", Assert.Single(ws.Handshake.Extensions).Name);
                await SendAndExpectEchoAsync(ws, PeerMessageType.Text, 60_000);
                await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, 60_000);
                await ws.CloseAsync((CloseCode)4005, "done here", Step());
            }
            PeerEvent closed = await app.WaitForEventAsync(e => e.Kind == PeerEventKind.Close && e.Code == 4005 && e.Http == http.ToString(), $"our close over HTTP/{http}");
            Assert.Equal("done here", closed.Reason);

            // A route without connection options takes the hosting options' MaxMessageSize: one byte over it is refused with 1009.
            await using (WebSocketConnection ws = await WebSocketClient.ConnectAsync(url("/echo"), options, Step()))
            {
                await ws.SendBinaryAsync(new byte[MaxMessageSize + 1], Step());
                WebSocketMessage refused = await ws.ReceiveAsync(Step());
                Assert.Equal(CloseCode.MessageTooBig, refused.CloseStatus);
            }

            // The route's OnUpgrade decision: a 403 with its reason.
            var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url("/members"), options, Step()));
            Assert.Equal(HandshakeProblemCode.Forbidden, Assert.Single(ex.Problems).Code);
            Assert.Contains("members only", ex.ResponseText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task without_AddWs101Server_MapWs101Routes_says_what_to_call()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        await using WebApplication app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapWs101Routes());

        Assert.Contains("AddWs101Server was not called", error.Message, StringComparison.Ordinal);
    }

    private static Task<ClientWebSocket> ConnectClientWebSocketAsync(Uri url, HttpMessageInvoker invoker) =>
        DotnetClientWebSocket.ConnectAsync(url, invoker, HttpVersion.Version20, "superchat", Step());

    private static Task<(WebSocketMessageType Type, byte[] Data)> ReceiveWholeAsync(ClientWebSocket ws) => DotnetClientWebSocket.ReceiveWholeAsync(ws, Step());

    /// <summary>
    /// An ASP.NET Core app whose WebSocket routes are registered once, with AddWs101Server (its own port, 0 here), and
    /// served through Kestrel too by MapWs101Routes: <c>/echo</c> (subprotocols chat and superchat, the hosting options'
    /// limits), <c>/deflate</c> (permessage-deflate), <c>/members</c> (refused 403 by OnUpgrade). The text
    /// <c>close CODE REASON</c> makes the handler close with them; every open and close is an event with its HTTP version.
    /// </summary>
    private sealed class RoutesApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly WaitableLog<PeerEvent> _events;
        private readonly int _kestrelPort;
        private readonly int _hostedPort;

        private RoutesApp(WebApplication app, WaitableLog<PeerEvent> events, int kestrelPort, int hostedPort)
        {
            _app = app;
            _events = events;
            _kestrelPort = kestrelPort;
            _hostedPort = hostedPort;
        }

        public IReadOnlyList<PeerEvent> Events => _events.Snapshot();

        public Uri KestrelUrl(string path) => new($"wss://127.0.0.1:{_kestrelPort}{path}");

        public Uri HostedUrl(string path) => new($"ws://127.0.0.1:{_hostedPort}{path}");

        public static async Task<RoutesApp> StartAsync(TestCertificate certificate)
        {
            var events = new WaitableLog<PeerEvent>();
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate.Certificate);
            }));
            Func<WebSocketConnection, CancellationToken, Task> handler = (ws, stopping) => EchoAsync(ws, events, stopping);
            builder.Services.AddWs101Server(ws101 =>
            {
                ws101.Port = 0;
                ws101.MaxMessageSize = MaxMessageSize;
                ws101.Map("/echo", handler, new WebSocketRouteOptions { Subprotocols = ["chat", "superchat"] });
                ws101.Map("/deflate", handler, new WebSocketRouteOptions
                {
                    Connection = new WebSocketConnectionOptions
                    {
                        Compression = new PerMessageDeflateOptions(),
                        Protocol = new ProtocolOptions { MaxMessageSize = MaxMessageSize, MaxFrameSize = MaxMessageSize },
                    },
                });
                ws101.Map("/members", handler, new WebSocketRouteOptions { OnUpgrade = _ => UpgradeDecision.Reject(403, "members only") });
            });
            WebApplication app = builder.Build();
            app.MapWs101Routes();
            await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(PeerTimeouts.Step, TestContext.Current.CancellationToken);
            int kestrelPort = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
            int hostedPort = app.Services.GetRequiredService<Ws101ServerAccessor>().Server.EndPoints[0].Port;
            return new RoutesApp(app, events, kestrelPort, hostedPort);
        }

        public Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description) =>
            _events.WaitForAsync(match, $"MapWs101Routes: {description}", PeerTimeouts.Step, Describe, TestContext.Current.CancellationToken);

        private string Describe() => "--- events:\n      " + string.Join("\n      ", _events.Snapshot());

        private static async Task EchoAsync(WebSocketConnection ws, WaitableLog<PeerEvent> events, CancellationToken stopping)
        {
            string http = ws.Handshake.HttpVersion.ToString();
            events.Add(PeerEvent.Create(PeerEventKind.Open, new Dictionary<string, object?>
            {
                ["path"] = ws.Handshake.Target,
                ["http"] = http,
                ["protocol"] = ws.Subprotocol ?? "",
                ["request"] = ws.Handshake.RequestText,
                ["response"] = ws.Handshake.ResponseText,
            }));
            while (true)
            {
                WebSocketMessage message = await ws.ReceiveAsync(stopping);
                if (message.IsClose)
                {
                    events.Add(PeerEvent.Create(PeerEventKind.Close, new Dictionary<string, object?>
                    {
                        ["http"] = http,
                        ["code"] = (int?)message.CloseStatus ?? 1005,
                        ["reason"] = message.CloseReason ?? "",
                    }));
                    return;
                }
                if (message.Kind == WebSocketMessageKind.Text && message.GetText() is { } text && text.StartsWith("close ", StringComparison.Ordinal))
                {
                    string[] parts = text.Split(' ', 3);
                    await ws.CloseAsync((CloseCode)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], stopping);
                    continue;
                }
                await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, stopping);
            }
        }

        public async ValueTask DisposeAsync()
        {
            using (var deadline = new CancellationTokenSource(PeerTimeouts.GracefulStop))
            {
                try
                {
                    await _app.StopAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    // Aborted by the disposal below.
                }
            }
            await _app.DisposeAsync();
            _events.Complete("the app stopped");
        }
    }
}
