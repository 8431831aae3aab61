using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Cli;

/// <summary>The server that <c>ws101 serve</c> builds (<c>ServeCommand.Build</c>), on 127.0.0.1 and a free port, against real peers and bad upgrades.</summary>
public sealed class ServeCommandTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, int, string> BadUpgrades() => new()
    {
        { "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "missing-key" },
        { "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426, "unsupported-version" },
        { "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", 405, "method-not-get" },
        { "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "missing-upgrade" },
    };

    [Theory]
    [MemberData(nameof(BadUpgrades))]
    public async Task ws101_serve_answers_a_bad_upgrade_with_its_status_logs_why_and_keeps_serving_real_clients(string request, int status, string problem)
    {
        var log = new StringWriter();
        await using WebSocketServer server = await StartServeAsync(log);
        int port = server.EndPoints[0].Port;

        string response = await RawExchangeAsync(port, request);
        PeerTranscript node = await NodeWsPeer.Instance.RunClientAsync(new Uri($"ws://127.0.0.1:{port}/echo"), PeerScript.EchoEveryWireSize(), Cancel);
        PeerTranscript python = await PythonWebsocketsPeer.Instance.RunClientAsync(new Uri($"ws://127.0.0.1:{port}/echo"), new PeerScript().SendText(126).Receive().Ping(), Cancel);

        Assert.StartsWith($"HTTP/1.1 {status} ", response, StringComparison.Ordinal);
        Assert.Contains(problem, response, StringComparison.Ordinal);
        Assert.Matches(@"\r\nConnection: (Upgrade, )?close\r\n", response);
        node.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        python.EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        string logged = Logged(log);
        Assert.Contains($"Refused the upgrade from 127.0.0.1:", logged, StringComparison.Ordinal);
        Assert.Contains($"with {status}: {problem}", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ws101_serve_chat_relays_a_message_from_python_to_node()
    {
        var log = new StringWriter();
        await using WebSocketServer server = await StartServeAsync(log);
        var chat = new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/chat");

        Task<PeerTranscript> listener = NodeWsPeer.Instance.RunClientAsync(chat, new PeerScript().Receive(), Cancel);
        await WaitUntilAsync(() => server.ConnectionCount == 1, "node joined /chat");
        PeerTranscript speaker = await PythonWebsocketsPeer.Instance.RunClientAsync(chat, new PeerScript().SendText("hello from python").Sleep(100), Cancel);
        PeerTranscript heard = await listener;

        speaker.EnsureSucceeded();
        heard.EnsureSucceeded();
        Assert.Equal("hello from python", heard.Received.Single().Text);
        Assert.Empty(speaker.Received);
    }

    [Fact]
    public async Task ws101_serve_closes_a_node_client_with_1009_when_a_message_exceeds_max_message()
    {
        var log = new StringWriter();
        await using WebSocketServer server = await StartServeAsync(log, maxMessage: 1000);

        PeerTranscript run = await NodeWsPeer.Instance.RunClientAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo"),
            new PeerScript().SendText(1000).Receive().SendBinary(1001).WaitClose(), Cancel);

        Assert.Equal(1000, run.Received.Single().Length);
        Assert.Equal((int)CloseCode.MessageTooBig, run.Close?.Code);
    }

    private static async Task<WebSocketServer> StartServeAsync(StringWriter log, long maxMessage = ProtocolOptions.DefaultMaxSize)
    {
        var console = new CliConsole(TextWriter.Synchronized(log), TextWriter.Null, TextReader.Null);
        WebSocketServer server = ServeCommand.Build(console, new ServeCommand.Settings("127.0.0.1", 0, null, null, null, maxMessage, [], Quiet: false, Verbose: false));
        await server.StartAsync(Cancel);
        return server;
    }

    private static string Logged(StringWriter log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        while (!condition())
        {
            try
            {
                await Task.Delay(20, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out waiting until {what}");
            }
        }
    }

    private static async Task<string> RawExchangeAsync(int port, string request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(all.ToArray());
    }
}
