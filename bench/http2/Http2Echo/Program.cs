// Echo over HTTP/2 (RFC 8441) through Ws101's MapWs101 beside ASP.NET Core's UseWebSockets, both on one Kestrel with TLS
// (ALPN h2), in a server process of its own so that its CPU and memory are read from /proc apart from the load's.
//   dotnet run -c Release --project bench/http2/Http2Echo            the whole run (spawns its servers)
//   dotnet run -c Release --project bench/http2/Http2Echo -- server  one server; prints "port N", stops when stdin closes
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Ws101;
using Ws101.AspNetCore;

if (args.Length > 0 && args[0] == "server")
{
    await ServeAsync();
    return 0;
}
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 4;
int connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
int idle = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 500;
Console.WriteLine($"echo: {connections} WebSockets as streams of one HTTP/2 connection, closed loop, {seconds} s per run, 3 rounds (order alternating)");
foreach (int size in new[] { 20, 16 * 1024 })
{
    var runs = new Dictionary<string, List<(double Rate, double CpuPerMessage)>> { ["aspnet"] = [], ["ws101"] = [] };
    await using (var server = await ServerProcess.StartAsync())
    {
        for (int round = 0; round < 3; round++)
        {
            foreach (string target in round % 2 == 0 ? new[] { "aspnet", "ws101" } : ["ws101", "aspnet"])
            {
                var result = await EchoAsync(server, target, size, connections, TimeSpan.FromSeconds(seconds));
                runs[target].Add(result);
                Console.WriteLine($"  {size,6} B  {target,-6} round {round + 1}: {result.Rate,9:0} msg/s  {result.CpuPerMessage,7:0.00} µs server CPU/msg");
            }
        }
    }
    double Median(IEnumerable<double> xs) => xs.Order().ElementAt(1);
    double aspRate = Median(runs["aspnet"].Select(r => r.Rate)), wsRate = Median(runs["ws101"].Select(r => r.Rate));
    double aspCpu = Median(runs["aspnet"].Select(r => r.CpuPerMessage)), wsCpu = Median(runs["ws101"].Select(r => r.CpuPerMessage));
    Console.WriteLine($"{size,6} B median: aspnet {aspRate:0} msg/s {aspCpu:0.00} µs/msg | ws101 {wsRate:0} msg/s {wsCpu:0.00} µs/msg"
        + $" | ratio ws101/aspnet: msg/s {wsRate / aspRate:0.00}, server CPU/msg {wsCpu / aspCpu:0.00}");
}
Console.WriteLine($"idle: {idle} open WebSockets, a fresh server each; server RSS growth per WebSocket");
foreach (string target in new[] { "aspnet", "ws101" })
{
    foreach (bool http2 in new[] { true, false })
    {
        await using var server = await ServerProcess.StartAsync();
        // A few first, so that code loaded and compiled once is not counted per WebSocket.
        var warm = await OpenIdleAsync(server, target, http2, 10);
        long before = server.RssBytes();
        var open = await OpenIdleAsync(server, target, http2, idle);
        long after = server.RssBytes();
        open.AddRange(warm);
        Console.WriteLine($"  {target,-6} {(http2 ? "HTTP/2 streams (100 per connection)" : "HTTP/1.1, one TLS connection each"),-38}: {(after - before) / (double)idle / 1024:0.0} KiB per WebSocket");
        foreach (var ws in open)
        {
            ws.Abort();
            ws.Dispose();
        }
    }
}
return 0;

static async Task<(double Rate, double CpuPerMessage)> EchoAsync(ServerProcess server, string target, int size, int count, TimeSpan duration)
{
    using var invoker = ServerProcess.Invoker(multipleConnections: false);
    var sockets = new List<ClientWebSocket>();
    for (int i = 0; i < count; i++)
    {
        sockets.Add(await ServerProcess.ConnectAsync(server, target, invoker, http2: true));
    }
    var payload = new byte[size];
    RandomNumberGenerator.Fill(payload);
    long messages = 0;
    var stop = DateTime.UtcNow + duration;
    double cpuBefore = server.CpuSeconds();
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(sockets.Select(async ws =>
    {
        var buffer = new byte[size + 64];
        long mine = 0;
        while (DateTime.UtcNow < stop)
        {
            await ws.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            int got = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer.AsMemory(got), CancellationToken.None);
                got += r.Count;
            }
            while (!r.EndOfMessage);
            mine++;
        }
        Interlocked.Add(ref messages, mine);
    }));
    double elapsed = sw.Elapsed.TotalSeconds;
    double cpu = server.CpuSeconds() - cpuBefore;
    foreach (var ws in sockets)
    {
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        ws.Dispose();
    }
    return (messages / elapsed, cpu / messages * 1e6);
}

static async Task<List<ClientWebSocket>> OpenIdleAsync(ServerProcess server, string target, bool http2, int count)
{
    var invoker = ServerProcess.Invoker(multipleConnections: true);
    var open = new List<ClientWebSocket>(count);
    for (int i = 0; i < count; i++)
    {
        open.Add(await ServerProcess.ConnectAsync(server, target, http2 ? invoker : null, http2));
    }
    // Every WebSocket echoes one message before RSS is read: all of them are fully set up on both sides.
    foreach (var ws in open)
    {
        await ws.SendAsync("x"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ws.ReceiveAsync(new byte[16], CancellationToken.None);
    }
    return open;
}

static async Task ServeAsync()
{
    using var key = RSA.Create(2048);
    var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    var san = new SubjectAlternativeNameBuilder();
    san.AddIpAddress(IPAddress.Loopback);
    request.CertificateExtensions.Add(san.Build());
    using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    using var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
    {
        l.Protocols = HttpProtocols.Http1AndHttp2;
        l.UseHttps(certificate);
    }));
    var app = builder.Build();
    app.MapWs101("/ws101", async (ws, ct) =>
    {
        while (true)
        {
            var m = await ws.ReceiveAsync(ct);
            if (m.IsClose)
            {
                return;
            }
            if (m.Kind != WebSocketMessageKind.Ping)
            {
                await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
            }
        }
    });
    app.Map("/aspnet", branch =>
    {
        branch.UseWebSockets();
        branch.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            // 4 KiB, as ASP.NET Core's own samples: fragments are echoed as they come, so a message of any size passes.
            var buffer = new byte[4 * 1024];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, context.RequestAborted);
            }
        });
    });
    await app.StartAsync();
    var address = new Uri(app.Urls.First());
    Console.WriteLine($"port {address.Port}");
    await Console.In.ReadToEndAsync();
    await app.StopAsync();
}

/// <summary>A server of this program in a process of its own, read from /proc.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ServerProcess> StartAsync()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(ServerProcess).Assembly.Location, "server"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("port ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"the server said '{line}'");
        }
        return new ServerProcess(process, int.Parse(line[5..], CultureInfo.InvariantCulture));
    }

    public static HttpMessageInvoker Invoker(bool multipleConnections) => new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = multipleConnections,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    });

    public static async Task<ClientWebSocket> ConnectAsync(ServerProcess server, string target, HttpMessageInvoker? invoker, bool http2)
    {
        var ws = new ClientWebSocket();
        if (http2)
        {
            ws.Options.HttpVersion = HttpVersion.Version20;
            ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        else
        {
            ws.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        await ws.ConnectAsync(new Uri($"wss://127.0.0.1:{server.Port}/{target}"), invoker, CancellationToken.None);
        return ws;
    }

    /// <summary>User and system CPU of the server so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The server's resident memory (VmRSS).</summary>
    public long RssBytes()
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
