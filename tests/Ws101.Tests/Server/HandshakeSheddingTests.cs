using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ws101.Client;
using Ws101.Server;
using Ws101.Tests.Diagnostics;
using Ws101.Transport;

namespace Ws101.Tests.Server;

/// <summary>
/// At the connection limit a newcomer takes the place of the oldest connection still in its handshake, if that handshake
/// has lasted the minimum age: the shed one is answered 503 (or, over TLS, closed), counted, and logged once per
/// interval. Upgraded connections are never shed; with no handshake old enough the newcomer is refused as before. Runs
/// alone: it reads the process-wide meter.
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public partial class HandshakeSheddingTests
{
    // An upgrade request cut short: the server waits for the rest, as it does for a slowloris client.
    private const string PartialUpgrade = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n";

    private static CancellationToken Timeout => CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).Token;

    public static TheoryData<ServerTransport> Transports => [ServerTransport.EventLoop, ServerTransport.Sockets];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task at_the_limit_full_of_old_incomplete_handshakes_a_newcomer_is_upgraded_and_the_oldest_handshake_is_answered_503_and_closed(ServerTransport transport)
    {
        var ct = Timeout;
        using var recorder = new MetricRecorder();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 2, Transport = transport });
        // Any handshake in progress is old enough: no waiting on the clock.
        server.ShedMinimumAge = TimeSpan.Zero;
        using var oldest = await StartHandshakeAsync(server, ct);
        await WaitUntilAsync(() => server.HandshakesInProgress == 1, ct);
        using var younger = await StartHandshakeAsync(server, ct);
        await WaitUntilAsync(() => server.HandshakesInProgress == 2, ct);

        await using var newcomer = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);

        string answer = await ReadToEndAsync(oldest, ct);
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 5\r\n", answer, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Get("ws101.server.handshakes[error.type=handshake-shed][network.protocol.version=1.1]"));
        Assert.Equal(0, recorder.Get("ws101.server.rejected_connections[error.type=connection-limit]"));
        // The younger handshake is untouched: it completes its upgrade.
        await younger.SendAsync(Encoding.ASCII.GetBytes(RestOfUpgrade), SocketFlags.None, ct);
        Assert.StartsWith("HTTP/1.1 101 ", await ReadSomeAsync(younger, ct), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task over_tls_the_oldest_incomplete_tls_handshake_is_closed_without_an_answer_to_admit_a_newcomer(ServerTransport transport)
    {
        var ct = Timeout;
        using var cert = TestCertificates.SelfSigned();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 1, Transport = transport, Certificate = cert });
        server.ShedMinimumAge = TimeSpan.Zero;
        // Connected and silent: the server waits for its TLS ClientHello.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), ct);
        await WaitUntilAsync(() => server.HandshakesInProgress == 1, ct);

        await using var newcomer = await WebSocketClient.ConnectAsync(new Uri($"wss://localhost:{server.EndPoints[0].Port}/echo"),
            new WebSocketClientOptions { TrustedCertificate = cert }, ct);

        Assert.Equal("", await ReadToEndAsync(silent, ct));
        await newcomer.SendTextAsync("in", ct);
        Assert.Equal("in", (await newcomer.ReceiveAsync(ct)).GetText());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task over_tls_every_handshake_past_its_deadline_is_counted_and_logged_as_timed_out_and_leaves_the_table(ServerTransport transport)
    {
        var ct = Timeout;
        const int Silent = 8;
        using var recorder = new MetricRecorder();
        var lines = new ConcurrentQueue<string>();
        using var cert = TestCertificates.SelfSigned();
        // A tick every 50 ms (a quarter of the handshake timeout).
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions
        {
            Transport = transport,
            Certificate = cert,
            HandshakeTimeout = TimeSpan.FromMilliseconds(200),
            LoggerFactory = new ListLoggerFactory(lines),
        });
        var sockets = new List<Socket>();
        try
        {
            // Connected and silent: each waits for its TLS ClientHello until the tick drops it.
            for (int i = 0; i < Silent; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), ct);
            }
            foreach (var socket in sockets)
            {
                Assert.Equal("", await ReadToEndAsync(socket, ct));
            }

            // Every one counted out (after it was reported), and nothing of theirs left in the table of handshakes.
            await WaitUntilAsync(() => server.AdmittedCount == 0, ct);
            Assert.Equal(0, server.HandshakesInProgress);
            Assert.Equal(Silent, recorder.Get("ws101.server.handshakes[error.type=handshake-timeout][network.protocol.version=1.1]"));
            Assert.Equal(Silent, lines.Count(l => l.Contains(" timed out after ", StringComparison.Ordinal)));
            Assert.DoesNotContain(lines, l => l.StartsWith("Handshake from ", StringComparison.Ordinal) && l.Contains(" failed: ", StringComparison.Ordinal));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task at_the_limit_full_of_upgraded_connections_a_newcomer_is_refused_503_and_no_connection_is_closed()
    {
        var ct = Timeout;
        using var recorder = new MetricRecorder();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 2 });
        server.ShedMinimumAge = TimeSpan.Zero;
        await using var first = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        await using var second = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);

        var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct));

        Assert.StartsWith("HTTP/1.1 503 ", refused.ResponseText, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Get("ws101.server.rejected_connections[error.type=connection-limit]"));
        Assert.Equal(0, recorder.Get("ws101.server.handshakes[error.type=handshake-shed][network.protocol.version=1.1]"));
        foreach (var ws in new[] { first, second })
        {
            await ws.SendTextAsync("still here", ct);
            Assert.Equal("still here", (await ws.ReceiveAsync(ct)).GetText());
        }
        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task at_the_limit_full_of_handshakes_younger_than_the_minimum_age_a_newcomer_is_refused_503_and_no_handshake_is_shed()
    {
        var ct = Timeout;
        using var recorder = new MetricRecorder();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 2 });
        // Older than the test can run: every handshake in progress is too young to shed.
        server.ShedMinimumAge = TimeSpan.FromHours(1);
        using var first = await StartHandshakeAsync(server, ct);
        using var second = await StartHandshakeAsync(server, ct);
        await WaitUntilAsync(() => server.HandshakesInProgress == 2, ct);

        var refused = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct));

        Assert.StartsWith("HTTP/1.1 503 ", refused.ResponseText, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Get("ws101.server.rejected_connections[error.type=connection-limit]"));
        Assert.Equal(0, recorder.Get("ws101.server.handshakes[error.type=handshake-shed][network.protocol.version=1.1]"));
        // Both handshakes are still in progress, and both complete.
        foreach (var socket in new[] { first, second })
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(RestOfUpgrade), SocketFlags.None, ct);
            Assert.StartsWith("HTTP/1.1 101 ", await ReadSomeAsync(socket, ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void the_minimum_age_is_one_second_or_half_the_handshake_timeout_when_that_is_shorter()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), new WebSocketServer(new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(10) }).ShedMinimumAge);
        Assert.Equal(TimeSpan.FromMilliseconds(300), new WebSocketServer(new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(600) }).ShedMinimumAge);
    }

    [Fact]
    public async Task sheds_are_logged_in_one_line_per_interval_with_their_count_not_one_line_each()
    {
        var ct = Timeout;
        var lines = new ConcurrentQueue<string>();
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { MaxConnections = 1, LoggerFactory = new ListLoggerFactory(lines) });
        server.ShedMinimumAge = TimeSpan.Zero;
        var sockets = new List<Socket>();
        try
        {
            // Each handshake takes the place of the one before it: three are shed.
            for (int i = 0; i < 4; i++)
            {
                sockets.Add(await StartHandshakeAsync(server, ct));
                if (i > 0)
                {
                    Assert.StartsWith("HTTP/1.1 503 ", await ReadToEndAsync(sockets[i - 1], ct), StringComparison.Ordinal);
                }
                // The shed one counted out, and the new one's handshake begun: the next newcomer finds it to shed.
                await WaitUntilAsync(() => server.AdmittedCount == 1 && server.HandshakesInProgress == 1, ct);
            }
            // Reported by the server's timer: the first shed within a second, the rest in the next line, 5 s later at most.
            while (ShedInLog(lines) < 3)
            {
                await Task.Delay(50, ct);
            }
            Assert.Equal(3, ShedInLog(lines));
            Assert.InRange(lines.Count(l => ShedLine().IsMatch(l)), 1, 2);
            Assert.DoesNotContain(lines, l => l.StartsWith("Refused ", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("Handshake from ", StringComparison.Ordinal));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task the_queue_of_handshakes_in_the_order_they_began_keeps_none_that_ended_past_the_next_tick()
    {
        var ct = Timeout;
        // A tick every 250 ms (a quarter of the handshake timeout).
        await using var server = await TestServer.StartEchoAsync(new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        for (int i = 0; i < 10; i++)
        {
            await using var ws = await WebSocketClient.ConnectAsync(server.Url("/echo"), cancellationToken: ct);
        }
        using var abandoned = await StartHandshakeAsync(server, ct);
        abandoned.Close();

        await WaitUntilAsync(() => server.ShedQueueLength == 0, ct);
    }

    [Fact]
    public void a_live_handshake_at_the_head_does_not_hold_the_ended_ones_behind_it_in_the_queue_and_can_still_be_shed()
    {
        var handshakes = new ConcurrentDictionary<DuplexTransport, long>();
        var shedding = new HandshakeShedding(handshakes, TimeSpan.FromSeconds(10), answers: true, maxConnections: 1) { MinimumAgeMs = 0 };
        long deadline = Environment.TickCount64 + 10_000;
        var slow = new IdleTransport();
        handshakes[slow] = deadline;
        shedding.Started(slow, deadline);
        // Far more than there can be handshakes at once with a limit of 1: every one of them ended (not in the table).
        for (int i = 0; i < 5000; i++)
        {
            shedding.Started(new IdleTransport(), deadline);
        }

        shedding.Trim();

        Assert.Equal(1, shedding.Queued);
        Assert.True(shedding.TryShedOldest(Environment.TickCount64));
        Assert.True(slow.Aborted);
        Assert.Equal(HandshakeShedding.ShedMark, handshakes[slow]);
    }

    /// <summary>A transport that does nothing and records whether it was aborted.</summary>
    private sealed class IdleTransport : DuplexTransport
    {
        public bool Aborted { get; private set; }

        public override EndPoint? RemoteEndPoint => null;

        public override EndPoint? LocalEndPoint => null;

        public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override void ShutdownSend()
        {
        }

        public override void Abort() => Aborted = true;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private const string RestOfUpgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private static int ShedInLog(IEnumerable<string> lines) =>
        lines.Select(l => ShedLine().Match(l)).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^Shed (\d+) handshake\(s\) still incomplete after at least 0 s, in the last [\d.]+ s, to admit new connections at the connection limit of 1 ")]
    private static partial Regex ShedLine();

    /// <summary>Connects and sends the first part of an upgrade.</summary>
    private static async Task<Socket> StartHandshakeAsync(WebSocketServer server, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoints[0].Port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(PartialUpgrade), SocketFlags.None, ct);
        return socket;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(10, ct);
        }
    }

    /// <summary>Reads to the server's close (a reset ends it too) and returns what came.</summary>
    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        var all = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                all.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
        }
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> ReadSomeAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[1024];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
