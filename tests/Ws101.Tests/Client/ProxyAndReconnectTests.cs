using System.Net;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Client;

public class ProxyAndReconnectTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task connects_through_an_http_connect_proxy_with_basic_credentials()
    {
        await using var server = await TestServer.StartEchoAsync();
        await using var proxy = new ConnectProxy("alice", "s3cret");
        var options = new WebSocketClientOptions { Proxy = proxy.Url, ProxyCredentials = new NetworkCredential("alice", "s3cret") };
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), options, Timeout);
        await ws.SendTextAsync("via proxy", Timeout);
        Assert.Equal("via proxy", (await ws.ReceiveAsync(Timeout)).GetText());
        Assert.Equal(1, proxy.Tunnels);
    }

    [Fact]
    public async Task a_proxy_that_wants_credentials_fails_with_proxy_failed_and_says_so()
    {
        await using var server = await TestServer.StartEchoAsync();
        await using var proxy = new ConnectProxy("alice", "s3cret");
        var ex = await Assert.ThrowsAsync<WebSocketHandshakeException>(() =>
            WebSocketClient.ConnectAsync(server.Url("/echo"), new WebSocketClientOptions { Proxy = proxy.Url }, Timeout));
        Assert.Equal("proxy-failed", ex.Problems[0].Id);
        Assert.Contains("credentials", ex.Problems[0].Actual, StringComparison.Ordinal);
    }

    [Fact]
    public async Task reconnects_after_the_server_restarts_and_not_after_a_normal_close()
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        var first = new WebSocketServer(new WebSocketServerOptions { EndPoints = [endPoint] });
        first.Map("/echo", TestServer.Echo);
        await first.StartAsync(Timeout);
        int port = first.EndPoints[0].Port;
        var url = new Uri($"ws://127.0.0.1:{port}/echo");
        var reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200), MaxAttempts = 100 };
        await using var ws = await ReconnectingWebSocket.ConnectAsync(url, reconnect: reconnect, cancellationToken: Timeout);
        var attempts = new List<CloseCode?>();
        int reconnected = 0;
        ws.Reconnecting += (_, _, status) => { lock (attempts) { attempts.Add(status); } };
        ws.Reconnected += _ => Interlocked.Increment(ref reconnected);
        await ws.SendTextAsync("one", Timeout);
        Assert.Equal("one", (await ws.ReceiveAsync(Timeout)).GetText());

        var receiving = ws.ReceiveAsync(Timeout).AsTask();
        await first.StopAsync(Timeout);           // every client gets 1001: a restart
        await first.DisposeAsync();
        await Task.Delay(300, Timeout);            // down for a moment: attempts fail meanwhile
        await using var second = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, port)] });
        second.Map("/echo", async (c, ct) =>
        {
            await c.SendTextAsync("welcome back", ct);
            await TestServer.Echo(c, ct);
        });
        await second.StartAsync(Timeout);
        var afterRestart = await receiving;       // the receive reconnected by itself and goes on
        Assert.Equal("welcome back", afterRestart.GetText());
        Assert.Equal(1, reconnected);
        Assert.Equal(CloseCode.GoingAway, attempts[0]);

        await ws.CloseAsync(CloseCode.NormalClosure, "done", Timeout);
        var closed = await ws.ReceiveAsync(Timeout);
        Assert.True(closed.IsClose);
        Assert.Equal(1, reconnected);
    }
}
