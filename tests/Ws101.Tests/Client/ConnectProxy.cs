using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ws101.Tests.Client;

/// <summary>A small HTTP CONNECT proxy on 127.0.0.1 for tests: optional Basic credentials, then bytes piped both ways.</summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _credentials;
    private readonly Task _loop;

    public ConnectProxy(string? user = null, string? password = null)
    {
        _credentials = user is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Tunnels;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 8192)
            {
                if (await stream.ReadAsync(one, _stop.Token) == 0)
                {
                    return;
                }
                head.Append((char)one[0]);
            }
            var lines = head.ToString().Split("\r\n");
            var parts = lines[0].Split(' ');
            if (parts.Length != 3 || parts[0] != "CONNECT")
            {
                await stream.WriteAsync("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }
            if (_credentials is not null && !lines.Contains($"Proxy-Authorization: Basic {_credentials}"))
            {
                await stream.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }
            int colon = parts[1].LastIndexOf(':');
            string host = parts[1][..colon].Trim('[', ']');
            int port = int.Parse(parts[1][(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (host is not ("127.0.0.1" or "::1" or "localhost"))
            {
                // This proxy reaches loopback only.
                await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(host == "localhost" ? "127.0.0.1" : host, port, _stop.Token);
            Interlocked.Increment(ref Tunnels);
            await stream.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), _stop.Token);
            var up = upstream.GetStream();
            await Task.WhenAny(stream.CopyToAsync(up, _stop.Token), up.CopyToAsync(stream, _stop.Token));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
