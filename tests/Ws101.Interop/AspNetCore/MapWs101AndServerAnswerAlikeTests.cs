using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;
using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Interop.Harness;
using Ws101.Server;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// MapWs101 (inside Kestrel) and WebSocketServer run one upgrade sequence: for the same request and the same route options
/// they answer the same status, the same handshake headers and the same body. Only what Kestrel adds to every response
/// (Date, Server) and the connection's fate after a refusal (Kestrel keeps it alive, Ws101 closes it) may differ.
/// </summary>
public sealed class MapWs101AndServerAnswerAlikeTests : IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private static readonly string[] HostOnly = ["Date", "Server"];

    private static readonly WebSocketRouteOptions Route = new()
    {
        Subprotocols = ["v2.chat", "v1.chat"],
        Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions { ClientNoContextTakeover = true } },
        OnUpgrade = request => request.Query.Contains("deny", StringComparison.Ordinal)
            ? UpgradeDecision.Reject(403, "This room is closed.", [new("X-Why", "room")])
            : UpgradeDecision.Accept(headers: [new("Set-Cookie", "seat=7; HttpOnly"), new("X-Served-By", "ws101")]),
    };

    private WebSocketServer? _server;
    private WebApplication? _app;
    private int _kestrelPort;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        _server.Map("/chat", Hold, Route);
        await _server.StartAsync(Cancel);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapWs101("/chat", Hold, Route);
        await _app.StartAsync(Cancel);
        _kestrelPort = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Keeps the connection until the client leaves, so that the test reads the 101 alone.</summary>
    private static async Task Hold(WebSocketConnection ws, CancellationToken ct)
    {
        await foreach (var _ in ws.ReadAllAsync(ct))
        {
        }
    }

    public static TheoryData<string, string[]> Requests => new()
    {
        { "a plain upgrade", [] },
        { "subprotocols and a deflate offer, as Chromium sends them", ["Sec-WebSocket-Protocol: v1.chat, v2.chat", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"] },
        { "an offer to decline, then one to accept", ["Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7, permessage-deflate; server_no_context_takeover"] },
        { "a subprotocol the route does not speak", ["Sec-WebSocket-Protocol: mqtt"] },
        { "the application's refusal", ["?deny"] },
        { "an unsupported version", ["Sec-WebSocket-Version: 8"] },
        { "a key that is not 16 bytes", ["Sec-WebSocket-Key: c2hvcnQ="] },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task the_same_request_gets_the_same_answer_from_both(string what, string[] edits)
    {
        string request = Request(edits);
        var ours = await ExchangeAsync(_server!.EndPoints[0].Port, request);
        var kestrel = await ExchangeAsync(_kestrelPort, request);

        Assert.True(ours.Head.StatusCode == kestrel.Head.StatusCode, $"{what}: Ws101 answered {ours.Head.StatusCode}, MapWs101 {kestrel.Head.StatusCode}");
        // After a refusal Ws101 closes the connection and Kestrel keeps it: the Connection header says so and may differ.
        string[] ignored = ours.Head.StatusCode == 101 ? HostOnly : [.. HostOnly, "Connection"];
        Assert.Equal(Fields(ours.Head, ignored), Fields(kestrel.Head, ignored));
        Assert.Equal(ours.Body, kestrel.Body);
        Assert.DoesNotContain(kestrel.Head.Headers, f => string.Equals(f.Key, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task the_compared_answers_carry_what_the_route_asked_for()
    {
        // The comparison above would pass if both sides lost the same header: pin down what they must both send.
        var (head, _) = await ExchangeAsync(_kestrelPort, Request(["Sec-WebSocket-Protocol: v1.chat, v2.chat", "Sec-WebSocket-Extensions: permessage-deflate"]));
        Assert.Equal(101, head.StatusCode);
        Assert.Equal("v2.chat", head.Headers.GetFirst("Sec-WebSocket-Protocol"));
        Assert.Equal("permessage-deflate; client_no_context_takeover", head.Headers.GetFirst("Sec-WebSocket-Extensions"));
        Assert.Equal(WebSocketAccept.Compute(Key), head.Headers.GetFirst("Sec-WebSocket-Accept"));
        Assert.Equal("seat=7; HttpOnly", head.Headers.GetFirst("Set-Cookie"));
        Assert.Equal("ws101", head.Headers.GetFirst("X-Served-By"));
    }

    /// <summary>The RFC 6455 §1.3 request to /chat, with header lines replaced or added, or "?query" appended to the target.</summary>
    private static string Request(string[] edits)
    {
        var lines = new List<string>
        {
            "Host: 127.0.0.1",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: " + Key,
            "Sec-WebSocket-Version: 13",
        };
        string target = "/chat";
        foreach (string edit in edits)
        {
            if (edit.StartsWith('?'))
            {
                target += edit;
                continue;
            }
            string name = edit[..edit.IndexOf(':', StringComparison.Ordinal)];
            lines.RemoveAll(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
            lines.Add(edit);
        }
        return $"GET {target} HTTP/1.1\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "\r\n";
    }

    private static List<string> Fields(HttpResponseHead head, string[] ignored) =>
        [.. head.Headers.Where(f => !ignored.Contains(f.Key, StringComparer.OrdinalIgnoreCase))
            .Select(f => $"{f.Key.ToLowerInvariant()}: {f.Value}").Order(StringComparer.Ordinal)];

    /// <summary>Sends <paramref name="request"/> and reads the response head, and its body by Content-Length (at most 10 s).</summary>
    private static async Task<(HttpResponseHead Head, string Body)> ExchangeAsync(int port, string request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var buffer = new byte[16 * 1024];
        int filled = 0;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
            Assert.True(n > 0, $"the connection closed after {filled} bytes: {Encoding.Latin1.GetString(buffer, 0, filled)}");
            filled += n;
            var parsed = HttpResponseHead.Parse(buffer.AsSpan(0, filled));
            if (parsed.Status == HttpParseStatus.NeedMoreData)
            {
                continue;
            }
            Assert.Equal(HttpParseStatus.Complete, parsed.Status);
            var head = parsed.Head!;
            int length = head.StatusCode == 101 ? 0 : int.Parse(head.Headers.GetFirst("Content-Length") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            while (filled - parsed.BytesConsumed < length)
            {
                n = await socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
                Assert.True(n > 0, "the connection closed before the body ended");
                filled += n;
            }
            return (head, Encoding.UTF8.GetString(buffer, parsed.BytesConsumed, length));
        }
    }
}
