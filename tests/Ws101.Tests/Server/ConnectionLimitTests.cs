using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ws101.Client;
using Ws101.Server;
using Ws101.Tests.Diagnostics;

namespace Ws101.Tests.Server;

/// <summary>MaxConnections: what is over it is answered 503 at once, counted, and logged once per interval. Runs alone: it reads the process-wide meter.</summary>
[Collection(nameof(ConcurrencyTests))]
public partial class ConnectionLimitTests
{
    private const string Upgrade = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    [Fact]
    public async Task connections_over_the_limit_get_503_at_once_are_counted_and_logged_in_one_line_per_interval_and_a_freed_place_is_taken_again()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var recorder = new MetricRecorder();
        var lines = new ConcurrentQueue<string>();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 2, LoggerFactory = new ListLoggerFactory(lines) });
        var first = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        await using var second = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);

        var refusals = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ExchangeAsync(server.EndPoints[0].Port, ct)));

        Assert.All(refusals, r => Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", r, StringComparison.Ordinal));
        Assert.All(refusals, r => Assert.Contains("\r\nRetry-After: 5\r\n", r, StringComparison.Ordinal));
        Assert.Equal(5, recorder.Get("ws101.server.rejected_connections[error.type=connection-limit]"));
        // Reported by the server's timer: the first refusal within a second, the rest in the next line, 5 s later at most.
        while (RefusedInLog(lines) < 5)
        {
            await Task.Delay(50, ct);
        }
        Assert.InRange(lines.Count(l => RefusedLine().IsMatch(l)), 1, 2);
        Assert.DoesNotContain(lines, l => l.Contains("Refused the upgrade", StringComparison.Ordinal));

        await first.DisposeAsync();
        await using var third = await ConnectWhenThereIsRoomAsync(server, ct);
        await third.SendTextAsync("in", ct);
        Assert.Equal("in", (await third.ReceiveAsync(ct)).GetText());
    }

    private static int RefusedInLog(IEnumerable<string> lines) =>
        lines.Select(l => RefusedLine().Match(l)).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^Refused (\d+) connection\(s\) with 503 in the last [\d.]+ s: at the connection limit of 2 ")]
    private static partial Regex RefusedLine();

    /// <summary>The place is free once the server has seen the first connection end; until then it answers 503.</summary>
    private static async Task<WebSocketConnection> ConnectWhenThereIsRoomAsync(WebSocketServer server, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
            }
            catch (WebSocketHandshakeException ex) when (ex.ResponseText?.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal) == true)
            {
                await Task.Delay(20, ct);
            }
        }
    }

    /// <summary>Sends an upgrade and reads the whole answer, to the server's close.</summary>
    private static async Task<string> ExchangeAsync(int port, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Upgrade), SocketFlags.None, ct);
        var all = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return Encoding.ASCII.GetString(all.ToArray());
    }
}
