using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.Protocol;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// The ASP.NET Core sample (samples/AspNetCoreEcho: MapWs101 inside an ordinary app) against the same real peers
/// as <c>ws101 serve</c>: Chromium, Node <c>ws</c>, Python <c>websockets</c>, and our own client.
/// </summary>
public sealed class AspNetCoreSampleTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private WebApplication? _app;
    private Uri _echo = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = AspNetCoreEcho.EchoApp.Build(["--urls", "http://127.0.0.1:0"]);
        await _app.StartAsync(Cancel);
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _echo = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/echo");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(ScriptedPeers.Names), MemberType = typeof(ScriptedPeers))]
    public async Task node_and_python_get_every_wire_size_echoed_with_fragments_and_a_ping(string clientName)
    {
        PeerTranscript run = await ScriptedPeers.ByName(clientName).RunClientAsync(_echo,
            PeerScript.EchoEveryWireSize().Ping("are you there").SendText(126, fragments: 3).Receive().Close(4000, "done"), Cancel);
        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(13, run.Pongs.Single().Length);
        Assert.Equal(4000, run.Close!.Code);
    }

    [Theory]
    [InlineData(PeerMessageType.Text, 126)]
    [InlineData(PeerMessageType.Binary, 65536)]
    [InlineData(PeerMessageType.Binary, 1024 * 1024)]
    public async Task chromium_gets_its_message_echoed_through_maplws101(string type, int size)
    {
        PeerTranscript run = await browser.Chromium.RunClientAsync(_echo, new PeerScript().Send(type, size).Receive(), Cancel);
        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
    }

    [Fact]
    public async Task our_client_round_trips_and_closes()
    {
        await using var ws = await WebSocketClient.ConnectAsync(_echo, cancellationToken: Cancel);
        await ws.SendTextAsync("through kestrel", Cancel);
        Assert.Equal("through kestrel", (await ws.ReceiveAsync(Cancel)).GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "bye", Cancel);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version: 8", 426, "unsupported-version")]
    [InlineData("Sec-WebSocket-Key: short", 400, "invalid-key")]
    public async Task a_bad_upgrade_gets_ws101s_status_version_header_and_reason(string replace, int status, string problem)
    {
        string request = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        request = replace.StartsWith("Sec-WebSocket-Version", StringComparison.Ordinal)
            ? request.Replace("Sec-WebSocket-Version: 13", replace, StringComparison.Ordinal)
            : request.Replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", replace, StringComparison.Ordinal);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _echo.Port), Cancel);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), Cancel);
        var buffer = new byte[4096];
        int n = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text = "";
        while (DateTime.UtcNow < deadline && !text.Contains(problem, StringComparison.Ordinal))
        {
            int got = await socket.ReceiveAsync(buffer.AsMemory(n), Cancel);
            if (got == 0)
            {
                break;
            }
            n += got;
            text = Encoding.UTF8.GetString(buffer, 0, n);
        }
        Assert.StartsWith($"HTTP/1.1 {status} ", text, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 13", text, StringComparison.Ordinal);
        Assert.Contains(problem, text, StringComparison.Ordinal);
    }
}
