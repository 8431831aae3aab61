using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Client;

/// <summary>
/// <see cref="WebSocketClientOptions.UseEventLoop"/>: the client's connection on a Ws101 event loop instead of .NET's
/// sockets. Everything a connection does must be the same (messages of every size, wss://, the closing handshake, a
/// failure to connect reported as the same problem); what differs is where the code after a waiting receive runs, on
/// the loop's thread, which the option's documentation tells the application.
/// </summary>
public class EventLoopClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static async Task EchoesWholeAsync(WebSocketConnection ws, int[] sizes, CancellationToken cancellationToken)
    {
        foreach (int size in sizes)
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            await ws.SendBinaryAsync(payload, cancellationToken);
            Assert.True((await ws.ReceiveAsync(cancellationToken)).Data.Span.SequenceEqual(payload), $"the echo of {size:N0} bytes differs");
        }
    }

    private static WebSocketClientOptions OnTheLoop(X509Certificate2? certificate = null) =>
        new() { UseEventLoop = true, TrustedCertificate = certificate, MaxMessageSize = 4 << 20 };

    [Fact]
    public async Task on_the_event_loop_messages_of_every_size_echo_whole_and_the_close_completes_the_handshake()
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxMessageSize = 4 << 20 });
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), OnTheLoop(), cts.Token);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), ws.RemoteEndPoint);
        await ws.SendTextAsync("héllo", cts.Token);
        Assert.Equal("héllo", (await ws.ReceiveAsync(cts.Token)).GetText());
        await EchoesWholeAsync(ws, [0, 1, 125, 126, 65_535, 65_536, 200_000, 3 << 20], cts.Token);
        await ws.CloseAsync(CloseCode.NormalClosure, "bye", cts.Token);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
        Assert.Equal(ConnectionState.Closed, ws.State);
    }

    [Fact]
    public async Task on_the_event_loop_an_ipv6_address_connects_and_echoes()
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.IPv6Loopback, 0)] });
        server.Map("/echo", TestServer.Echo);
        await server.StartAsync(cts.Token);
        await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://[::1]:{server.EndPoints[0].Port}/echo"), OnTheLoop(), cts.Token);

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, server.EndPoints[0].Port), ws.RemoteEndPoint);
        await ws.SendTextAsync("over IPv6", cts.Token);
        Assert.Equal("over IPv6", (await ws.ReceiveAsync(cts.Token)).GetText());
        await ws.CloseAsync(CloseCode.NormalClosure, "", cts.Token);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task on_the_event_loop_wss_echoes_through_tls_records_of_every_split()
    {
        using var cts = new CancellationTokenSource(Bound);
        using var certificate = TestCertificates.SelfSigned();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { Certificate = certificate });
        var url = new Uri($"wss://127.0.0.1:{server.EndPoints[0].Port}/echo");
        await using var ws = await WebSocketClient.ConnectAsync(url, OnTheLoop(certificate), cts.Token);

        // Sizes around the TLS record (16 KiB), so that frames and records split every way.
        await EchoesWholeAsync(ws, [0, 1, 16_375, 16_384, 16_392, 200_000], cts.Token);
        await ws.CloseAsync(CloseCode.NormalClosure, "", cts.Token);
        Assert.Equal(CloseCode.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task on_the_event_loop_a_refused_connection_is_the_same_connection_failed_problem_as_on_sockets()
    {
        using var cts = new CancellationTokenSource(Bound);
        // A port that was just free: nothing listens there.
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var url = new Uri($"ws://127.0.0.1:{port}/echo");

        var onLoop = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, OnTheLoop(), cts.Token));
        var onSockets = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, new WebSocketClientOptions(), cts.Token));

        var problem = Assert.Single(onLoop.Problems);
        Assert.Equal(HandshakeProblemCode.ConnectionFailed, problem.Code);
        Assert.Equal(Assert.Single(onSockets.Problems).Code, problem.Code);
        Assert.Equal(Assert.Single(onSockets.Problems).Subject, problem.Subject);
        Assert.Contains("ConnectionRefused", problem.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public async Task on_the_event_loop_a_connect_that_gets_no_answer_fails_after_the_connect_timeout()
    {
        using var cts = new CancellationTokenSource(Bound);
        // A listener that never accepts, its queue filled: the kernel drops further SYNs, so a connect hangs as one to a
        // host that does not answer would (on 127.0.0.1).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await filler.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), quick.Token);
                }
                catch (OperationCanceledException)
                {
                    break;   // the queue is full: this one hangs too
                }
            }
            var options = new WebSocketClientOptions { UseEventLoop = true, ConnectTimeout = TimeSpan.FromMilliseconds(300) };

            var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(
                () => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), options, cts.Token));

            var problem = Assert.Single(failure.Problems);
            Assert.Equal(HandshakeProblemCode.ConnectionFailed, problem.Code);
            Assert.Contains("took more than 0.3 s", problem.Actual, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task on_the_event_loop_the_code_after_a_receive_that_waited_runs_on_a_ws101_loop_thread()
    {
        using var cts = new CancellationTokenSource(Bound);
        var send = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/later", async (ws, stopping) =>
        {
            await send.Task;
            await ws.SendTextAsync("now", stopping);
            while (!(await ws.ReceiveAsync(stopping)).IsClose)
            {
            }
        });
        await server.StartAsync(cts.Token);
        await using var ws = await WebSocketClient.ConnectAsync(server.Url("/later"), OnTheLoop(), cts.Token);

        // The await is in place before the server sends, so the receive has to wait and is completed by the loop.
        async Task<(string Text, string? Thread)> ReceiveAndSayWhere()
        {
            var message = await ws.ReceiveAsync(cts.Token);
            return (message.GetText(), Thread.CurrentThread.Name);
        }
        var received = ReceiveAndSayWhere();
        Assert.False(received.IsCompleted);
        send.SetResult();
        var (text, thread) = await received;
        Assert.Equal("now", text);
        Assert.StartsWith("ws101-loop", thread ?? "(no name)", StringComparison.Ordinal);
        await ws.CloseAsync(CloseCode.NormalClosure, "", cts.Token);
    }
}
