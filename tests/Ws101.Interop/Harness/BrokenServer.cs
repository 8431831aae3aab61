using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;

namespace Ws101.Interop.Harness;

/// <summary>How a <see cref="BrokenServer"/> answers an upgrade request.</summary>
public enum BrokenAnswer
{
    /// <summary>A 101 whose Sec-WebSocket-Accept is base64(SHA-256(key + GUID)) instead of SHA-1.</summary>
    Sha256Accept,

    /// <summary>200 OK with an HTML page, as a web server with no WebSocket endpoint on the path answers.</summary>
    HtmlOk,

    /// <summary>426 Upgrade Required with <c>Sec-WebSocket-Version: 7, 8</c>: a server that speaks only older drafts.</summary>
    UpgradeRequiredOldVersions,

    /// <summary>The start of a 101 head, then the connection closed before the blank line.</summary>
    ClosedMidResponse,

    /// <summary>Reads the request and never answers (the connection stays open until the fixture is disposed).</summary>
    NeverAnswers,

    /// <summary>
    /// A correct 101; then, once the client has sent anything, a Close frame (1001 "gone") and at once a TCP
    /// reset (SO_LINGER 0), without reading the client's data or waiting for its reply: a server that crashes
    /// or is killed right after saying goodbye.
    /// </summary>
    CloseThenReset,

    /// <summary>
    /// 403 Forbidden with a <c>Set-Cookie</c> (a value tests look for, to prove it is never printed) and a plain-text
    /// reason: a server whose Origin check refused the page.
    /// </summary>
    Forbidden,

    /// <summary>
    /// A correct 101, then, once the client has sent anything (a probe's ping), a text frame with the mask bit set:
    /// servers never mask (RFC 6455 §5.1). The connection stays open after it, as with the next three answers.
    /// </summary>
    MaskedFrame,

    /// <summary>A correct 101, then, once the client has sent anything, a frame with the reserved opcode 0x3 (RFC 6455 §5.2).</summary>
    ReservedOpcode,

    /// <summary>A correct 101, then, once the client has sent anything, a text frame whose payload (0xC3 0x28) is not UTF-8 (RFC 6455 §8.1).</summary>
    InvalidUtf8Text,

    /// <summary>A correct 101, then, once the client has sent anything, a Close frame with the reserved status 1005, which may never be sent (RFC 6455 §7.4.1).</summary>
    BadCloseCode,
}

/// <summary>
/// A deliberately broken "WebSocket server" on a raw <see cref="TcpListener"/> on 127.0.0.1 and a port the
/// OS picks: it reads each upgrade request and answers it in one wrong way (<see cref="BrokenAnswer"/>), over plain TCP
/// or, given a certificate, after a TLS 1.3 handshake (wss://).
/// Every read is bounded; disposal closes the listener and every connection it holds.
/// </summary>
public sealed class BrokenServer : IAsyncDisposable
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly WaitableLog<string> _requests = new();
    private readonly Task _acceptLoop;

    private readonly TestCertificate? _certificate;

    private BrokenServer(BrokenAnswer answer, TestCertificate? certificate)
    {
        Answer = answer;
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>What this server does wrong.</summary>
    public BrokenAnswer Answer { get; }

    /// <summary>The URL to point a client at (any path).</summary>
    public Uri Url => new($"{(_certificate is null ? "ws" : "wss")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/broken");

    /// <summary>The value of the cookie <see cref="BrokenAnswer.Forbidden"/> sets: output that prints it leaks a secret.</summary>
    public const string CookieValue = "ws101-test-cookie-5f1e9a";

    /// <summary>
    /// When the violating frame of a post-handshake answer (<see cref="BrokenAnswer.MaskedFrame"/> and the like) was
    /// written, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp; null before.
    /// </summary>
    public long? ViolationWrittenAt { get; private set; }

    /// <summary>The request heads received so far.</summary>
    public IReadOnlyList<string> Requests => _requests.Snapshot();

    /// <summary>Starts listening.</summary>
    public static BrokenServer Start(BrokenAnswer answer) => new(answer, null);

    /// <summary>Starts listening for wss://: each connection's TLS 1.3 handshake with <paramref name="certificate"/> comes before the broken answer.</summary>
    public static BrokenServer StartTls(BrokenAnswer answer, TestCertificate certificate) => new(answer, certificate);

    /// <summary>The accept value a correct server would send for <paramref name="key"/>, but hashed with SHA-256.</summary>
    public static string Sha256AcceptFor(string key) => Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(key + Guid)));

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
            try
            {
                await using Stream stream = await OpenAsync(client).ConfigureAwait(false);
                string? head = await ReadHeadAsync(stream).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }
                _requests.Add(head);
                string key = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))
                    .Select(p => p[1].Trim()).FirstOrDefault() ?? "";
                switch (Answer)
                {
                    case BrokenAnswer.Sha256Accept:
                        await WriteAsync(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + $"Sec-WebSocket-Accept: {Sha256AcceptFor(key)}\r\n\r\n").ConfigureAwait(false);
                        break;
                    case BrokenAnswer.HtmlOk:
                        const string page = "<!doctype html>\n<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>\n";
                        await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                            + $"Content-Length: {page.Length}\r\nConnection: close\r\n\r\n{page}").ConfigureAwait(false);
                        break;
                    case BrokenAnswer.UpgradeRequiredOldVersions:
                        const string body = "This server speaks WebSocket versions 7 and 8 only.\n";
                        await WriteAsync(stream, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 7, 8\r\nContent-Type: text/plain\r\n"
                            + $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}").ConfigureAwait(false);
                        break;
                    case BrokenAnswer.ClosedMidResponse:
                        await WriteAsync(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnec").ConfigureAwait(false);
                        break;
                    case BrokenAnswer.Forbidden:
                        const string reason = "Origin not allowed.\n";
                        await WriteAsync(stream, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                            + $"Set-Cookie: session={CookieValue}; Path=/; HttpOnly\r\nContent-Length: {reason.Length}\r\nConnection: close\r\n\r\n{reason}").ConfigureAwait(false);
                        break;
                    case BrokenAnswer.MaskedFrame or BrokenAnswer.ReservedOpcode or BrokenAnswer.InvalidUtf8Text or BrokenAnswer.BadCloseCode:
                        await WriteAsync(stream, Accept101(key)).ConfigureAwait(false);
                        // Answer the client's first frame (a probe's ping) with the violation, so that it arrives while the client waits.
                        await WaitForClientDataAsync(client).ConfigureAwait(false);
                        await stream.WriteAsync(ViolatingFrame(Answer), _stopping.Token).ConfigureAwait(false);
                        ViolationWrittenAt = System.Diagnostics.Stopwatch.GetTimestamp();
                        // Keep the connection open, as a server that goes on would: only the client's own check ends it.
                        await DrainUntilClosedAsync(stream).ConfigureAwait(false);
                        return;
                    case BrokenAnswer.CloseThenReset:
                        await WriteAsync(stream, Accept101(key)).ConfigureAwait(false);
                        await WaitForClientDataAsync(client).ConfigureAwait(false);
                        // FIN, RSV 0, opcode 8; unmasked; payload: status 1001 (0x03E9) and "gone".
                        await stream.WriteAsync(new byte[] { 0x88, 0x06, 0x03, 0xE9, (byte)'g', (byte)'o', (byte)'n', (byte)'e' }, _stopping.Token).ConfigureAwait(false);
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Client.Close();
                        return;
                    case BrokenAnswer.NeverAnswers:
                        // Hold the connection, reading (and ignoring) whatever comes, until the client gives up or the fixture stops.
                        await DrainUntilClosedAsync(stream).ConfigureAwait(false);
                        return;
                }
                client.Client.Shutdown(SocketShutdown.Send);
                // Let the client read the answer before the socket closes (an early close could reset it).
                using var linger = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                linger.CancelAfter(PeerTimeouts.GracefulStop);
                var drain = new byte[256];
                while (await stream.ReadAsync(drain, linger.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The connection's stream: the socket's own, or a server-side TLS 1.3 stream over it once its handshake is done.</summary>
    private async Task<Stream> OpenAsync(TcpClient client)
    {
        NetworkStream plain = client.GetStream();
        if (_certificate is null)
        {
            return plain;
        }
        var tls = new SslStream(plain);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(PeerTimeouts.Step);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate.Certificate,
                EnabledSslProtocols = SslProtocols.Tls13,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new IOException("the client's TLS handshake failed", e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return tls;
    }

    /// <summary>Waits, without reading it, until the client has sent something (bounded by the harness's step timeout).</summary>
    private async Task WaitForClientDataAsync(TcpClient client)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        wait.CancelAfter(PeerTimeouts.Step);
        await client.Client.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, wait.Token).ConfigureAwait(false);
    }

    private async Task DrainUntilClosedAsync(Stream stream)
    {
        var sink = new byte[256];
        while (await stream.ReadAsync(sink, _stopping.Token).ConfigureAwait(false) > 0)
        {
        }
    }

    private static string Accept101(string key) =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + $"Sec-WebSocket-Accept: {Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)))}\r\n\r\n";

    /// <summary>The one frame each post-handshake answer breaks the protocol with.</summary>
    private static byte[] ViolatingFrame(BrokenAnswer answer) => answer switch
    {
        // FIN + text; mask bit set, length 2; mask key 01 02 03 04; "hi" masked.
        BrokenAnswer.MaskedFrame => [0x81, 0x82, 0x01, 0x02, 0x03, 0x04, (byte)('h' ^ 0x01), (byte)('i' ^ 0x02)],
        // FIN + opcode 0x3 (reserved for further non-control frames), empty.
        BrokenAnswer.ReservedOpcode => [0x83, 0x00],
        // FIN + text, 2 bytes: C3 starts a 2-byte sequence, 28 is not a continuation byte.
        BrokenAnswer.InvalidUtf8Text => [0x81, 0x02, 0xC3, 0x28],
        // FIN + close, 2 bytes: status 1005 (0x03ED), which RFC 6455 §7.4.1 reserves for "no status".
        BrokenAnswer.BadCloseCode => [0x88, 0x02, 0x03, 0xED],
        _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "not a post-handshake violation"),
    };

    private async Task<string?> ReadHeadAsync(Stream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(PeerTimeouts.Step);
        var buffer = new byte[16 * 1024];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            filled += n;
            string text = Encoding.Latin1.GetString(buffer, 0, filled);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return text[..(end + 4)];
            }
        }
        return null;
    }

    private async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.Latin1.GetBytes(text), _stopping.Token).ConfigureAwait(false);
        await stream.FlushAsync(_stopping.Token).ConfigureAwait(false);
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] all;
        lock (_connections)
        {
            all = [.. _connections, _acceptLoop];
        }
        await Task.WhenAny(Task.WhenAll(all), Task.Delay(PeerTimeouts.GracefulStop, CancellationToken.None)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"broken server ({Answer}) at {Url}";
}
