using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;

namespace Ws101.Interop.Harness;

/// <summary>
/// A wss:// "server" on 127.0.0.1 and a port the OS picks that completes TLS 1.3 with a <see cref="TestCertificate"/> and
/// then answers every upgrade with a 101 whose Sec-WebSocket-Accept is wrong (SHA-256 of key and GUID instead of SHA-1):
/// what a load generator must count as a failed upgrade, never as an open connection. Every read is bounded; disposal
/// closes the listener and every connection.
/// </summary>
public sealed class WrongAcceptTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TestCertificate _certificate;
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _answered;

    /// <summary>Starts listening with <paramref name="certificate"/>.</summary>
    public WrongAcceptTlsServer(TestCertificate certificate)
    {
        _certificate = certificate;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many upgrade requests it has answered with its wrong 101.</summary>
    public int Answered => Volatile.Read(ref _answered);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bounded.CancelAfter(PeerTimeouts.Step);
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate.Certificate,
                    EnabledSslProtocols = SslProtocols.Tls13,
                }, bounded.Token).ConfigureAwait(false);
                string? key = await ReadKeyAsync(tls, bounded.Token).ConfigureAwait(false);
                if (key is null)
                {
                    return;
                }
                string wrong = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
                await tls.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + $"Sec-WebSocket-Accept: {wrong}\r\n\r\n"), bounded.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _answered);
                // Read on until the client gives up (as it must), or the bound runs out.
                var sink = new byte[1024];
                while (await tls.ReadAsync(sink, bounded.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
            {
            }
        }
    }

    /// <summary>Reads the request head and returns its Sec-WebSocket-Key, or null when the head never completes.</summary>
    private static async Task<string?> ReadKeyAsync(SslStream tls, CancellationToken cancel)
    {
        var buffer = new byte[8 * 1024];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await tls.ReadAsync(buffer.AsMemory(filled), cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            filled += n;
            string head = Encoding.Latin1.GetString(buffer, 0, filled);
            if (head.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return head.Split("\r\n").Select(l => l.Split(':', 2))
                    .Where(p => p.Length == 2 && p[0].Trim().Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))
                    .Select(p => p[1].Trim()).FirstOrDefault();
            }
        }
        return null;
    }

    /// <summary>Stops listening and ends every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] all;
        lock (_connections)
        {
            all = [_acceptLoop, .. _connections];
        }
        await Task.WhenAll(all).WaitAsync(PeerTimeouts.Step).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
