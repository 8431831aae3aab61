using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ws101.Client;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// The real <c>ws101 serve</c>, in its own process under a low file-descriptor limit (<c>ulimit -n</c>, <c>prlimit</c>),
/// flooded from this process with more clients than it may hold. It used to log one warning per failed accept and then
/// abort with "Out of memory." (the thread pool could not start a thread: on Linux that takes a pipe). Now it answers
/// the excess 503, logs it once per interval, and keeps serving (docs/reliability.md, "Limits"). Each case runs on both
/// server transports (<c>--transport</c>): the event loops, which accept on a loop thread and back off on its clock, and
/// .NET sockets, which on Linux accept on a thread of their own and back off by sleeping it — the path that aborted.
/// </summary>
public sealed partial class ServeAtTheDescriptorLimitTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The values of <c>ws101 serve --transport</c> that name one transport.</summary>
    public static TheoryData<string> Transports => new("eventloop", "sockets");

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task under_a_256_descriptor_limit_twice_that_many_clients_get_101_or_503_and_the_server_serves_on(string transport)
    {
        var running = System.Diagnostics.Stopwatch.StartNew();
        await using PeerProcess serve = StartServe(descriptorLimit: 256, transport);
        int port = await ListeningPortAsync(serve, transport);

        var clients = await Task.WhenAll(Enumerable.Range(0, 512).Select(_ => UpgradeAsync(port)));
        int upgraded = clients.Count(c => c.Status == 101);
        int refused = clients.Count(c => c.Status == 503);
        foreach (var (_, socket) in clients)
        {
            socket.Dispose();
        }

        Assert.False(serve.HasExited, serve.Diagnostics());
        Assert.True(upgraded + refused == 512, $"{512 - upgraded - refused} of 512 clients got no answer.{Environment.NewLine}{serve.Diagnostics()}");
        // The limit it logged at start, fitted to the 256 descriptors: MaxConnections = 256 - (open + 64 + 256 / 32).
        string fitted = serve.StdoutLines.Single(l => MaxConnectionsLine().IsMatch(l));
        Assert.InRange(upgraded, 1, int.Parse(MaxConnectionsLine().Match(fitted).Groups[1].Value, CultureInfo.InvariantCulture));
        await WaitForRefusalsLoggedAsync(serve, refused);
        await AssertServesAnEchoAsync(serve, port);
        Assert.DoesNotContain(serve.StdoutLines, l => l.Contains("Accept failed", StringComparison.Ordinal));
        // One line per interval (5 s) at most, not one per refusal.
        Assert.InRange(serve.StdoutLines.Count(l => RefusedLine().IsMatch(l)), 1, Intervals(running));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task when_no_descriptor_is_left_accept_backs_off_logging_once_and_the_waiting_clients_get_503_once_there_is_room(string transport)
    {
        await using PeerProcess serve = StartServe(descriptorLimit: 512, transport);
        int port = await ListeningPortAsync(serve, transport);
        var held = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => UpgradeAsync(port)));
        Assert.All(held, c => Assert.Equal(101, c.Status));
        Assert.False(serve.HasExited, serve.Diagnostics());

        // The soft limit drops to the lowest descriptor number the server has free: it can open none at all now, as if
        // something else in the process had taken them all, and accept fails with EMFILE (the idle server opens and
        // closes nothing meanwhile). The clients that come now wait in the backlog; accept backs off.
        var atTheLimit = System.Diagnostics.Stopwatch.StartNew();
        await PrlimitAsync(serve.Id, softLimit: LowestFreeDescriptor(serve.Id));
        var late = Enumerable.Range(0, 100).Select(_ => UpgradeAsync(port)).ToList();
        await serve.WaitForLineAsync(l => AcceptFailedLine().IsMatch(l), "the back-off line", cancellationToken: Cancel);
        Assert.False(serve.HasExited, serve.Diagnostics());

        // Room again: the waiting clients are taken off the backlog and answered 503, since the server lowered its
        // connection limit below the 150 it holds when it ran out.
        await PrlimitAsync(serve.Id, softLimit: 512);
        var answered = await Task.WhenAll(late);
        foreach (var (_, socket) in answered.Concat(held))
        {
            socket.Dispose();
        }
        Assert.All(answered, c => Assert.Equal(503, c.Status));
        await WaitForRefusalsLoggedAsync(serve, 100);
        await AssertServesAnEchoAsync(serve, port);
        // Accept failed several times (10 ms, 20 ms, ... 1 s apart) but said so once per interval (5 s) at most.
        Assert.InRange(serve.StdoutLines.Count(l => l.Contains("Accept failed", StringComparison.Ordinal)), 1, Intervals(atTheLimit));
    }

    /// <summary>How many 5-second report intervals began within the time measured (the first at its start).</summary>
    private static int Intervals(System.Diagnostics.Stopwatch measured) => 1 + (int)(measured.Elapsed.TotalSeconds / 5);

    private static PeerProcess StartServe(int descriptorLimit, string transport) =>
        // bash sets the limit (soft and hard) and execs the CLI, so the server is this process and is stopped through it.
        PeerProcess.Start($"ws101 serve --transport {transport}", "bash",
            ["-c", $"ulimit -n {descriptorLimit} && exec {CliProgram.ShellCommand("serve", "--port", "0", "--transport", transport)}"],
            lifetime: TimeSpan.FromSeconds(90));

    /// <summary>
    /// The port from the banner, once the server listens, after checking that it accepts on the transport asked for:
    /// its threads are the event loops ("ws101-loop-N") or the sockets transport's accept thread ("ws101 accept").
    /// </summary>
    private static async Task<int> ListeningPortAsync(PeerProcess serve, string transport)
    {
        string banner = await serve.WaitForLineAsync(l => l.StartsWith("ws101 serve: ws://127.0.0.1:", StringComparison.Ordinal), "the listening banner", cancellationToken: Cancel);
        var threads = ThreadNames(serve.Id);
        string seen = $"--transport {transport}, threads: {string.Join(", ", threads.Distinct())}";
        Assert.True(threads.Contains("ws101 accept") == (transport == "sockets"), seen);
        Assert.True(threads.Any(t => t.StartsWith("ws101-loop-", StringComparison.Ordinal)) == (transport == "eventloop"), seen);
        return new Uri(banner.Split(' ')[2]).Port;
    }

    /// <summary>
    /// Opens a connection and sends an upgrade for /echo; returns the status of the answer (0 if none came within
    /// <see cref="PeerTimeouts.Step"/>, or the connection was reset first) and the socket, left open so that an upgraded
    /// connection stays held.
    /// </summary>
    private static async Task<(int Status, Socket Socket)> UpgradeAsync(int port)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var head = new StringBuilder();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), SocketFlags.None, timeout.Token);
            var buffer = new byte[1];
            // Byte by byte up to the end of the status line, so that nothing after the head (a frame) is taken.
            while (!head.ToString().EndsWith("\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 1)
            {
                head.Append((char)buffer[0]);
            }
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !Cancel.IsCancellationRequested))
        {
            // No answer: reset (a server that died resets its backlog) or none in time (left hanging in the backlog).
        }
        var status = StatusLine().Match(head.ToString());
        return (status.Success ? int.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture) : 0, socket);
    }

    /// <summary>The names of the process's threads (a thread that ends while they are read is left out).</summary>
    private static List<string> ThreadNames(int pid)
    {
        var names = new List<string>();
        foreach (var task in new DirectoryInfo($"/proc/{pid}/task").EnumerateDirectories())
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task.FullName, "comm")).TrimEnd('\n'));
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read: it is no transport's.
            }
        }
        return names;
    }

    private static int LowestFreeDescriptor(int pid)
    {
        var open = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos().Select(fd => int.Parse(fd.Name, CultureInfo.InvariantCulture)).ToHashSet();
        int lowest = 0;
        while (open.Contains(lowest))
        {
            lowest++;
        }
        return lowest;
    }

    private static async Task PrlimitAsync(int pid, int softLimit)
    {
        await using PeerProcess prlimit = PeerProcess.Start("prlimit", "prlimit", ["--pid", pid.ToString(CultureInfo.InvariantCulture), $"--nofile={softLimit}:"]);
        Assert.Equal(0, await prlimit.WaitForExitAsync(cancellationToken: Cancel));
    }

    /// <summary>Refusals are reported by the server's timer, the first within a second and the rest at most 5 s later.</summary>
    private static async Task WaitForRefusalsLoggedAsync(PeerProcess serve, int refused)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        while (RefusedInLog(serve) < refused)
        {
            Assert.False(serve.HasExited, serve.Diagnostics());
            await Task.Delay(50, timeout.Token);
        }
        Assert.Equal(refused, RefusedInLog(serve));
    }

    private static int RefusedInLog(PeerProcess serve) => serve.StdoutLines
        .Select(l => RefusedLine().Match(l)).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>A new client's message comes back, once the server has seen the earlier clients go (until then it may still answer 503).</summary>
    private static async Task AssertServesAnEchoAsync(PeerProcess serve, int port)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        while (true)
        {
            try
            {
                await using var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), cancellationToken: timeout.Token);
                await ws.SendTextAsync("still serving", timeout.Token);
                Assert.Equal("still serving", (await ws.ReceiveAsync(timeout.Token)).GetText());
                return;
            }
            catch (WebSocketHandshakeException ex) when (ex.ResponseText?.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal) == true)
            {
                Assert.False(serve.HasExited, serve.Diagnostics());
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3}) ")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@" info  MaxConnections lowered from 100000 to (\d+): the process may hold 256 file descriptors")]
    private static partial Regex MaxConnectionsLine();

    [GeneratedRegex(@" warn  Refused (\d+) connection\(s\) with 503 in the last [\d.]+ s: ")]
    private static partial Regex RefusedLine();

    [GeneratedRegex(@" warn  Accept failed \d+ time\(s\) in the last [\d.]+ s with TooManyOpenSockets \(no file descriptor left\); it backs off")]
    private static partial Regex AcceptFailedLine();
}
