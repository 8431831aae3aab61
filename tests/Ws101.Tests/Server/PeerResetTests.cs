using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Ws101.Client;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>
/// A peer that resets the TCP connection (SO_LINGER 0, then close: an RST instead of a FIN) at the worst moments: in the
/// middle of a frame, of the closing handshake, of the upgrade request and of the TLS handshake. The server stays
/// healthy, a handler whose connection existed sees 1006, and nothing leaks: the connection count is back to 0 and every
/// place under <see cref="WebSocketServerOptions.MaxConnections"/> can be taken again.
/// </summary>
public class PeerResetTests
{
    private const int Slots = 3;
    private const int Rounds = 8;
    private static byte[] Upgrade(string path) => Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private static CancellationToken Timeout => CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).Token;

    public static TheoryData<ServerTransport> Transports => [ServerTransport.EventLoop, ServerTransport.Sockets];

    [Theory]
    [MemberData(nameof(Transports))]
    public Task a_reset_in_the_middle_of_a_frame_ends_the_handler_with_1006_and_frees_the_connection(ServerTransport transport) =>
        ResetEachRoundAsync(transport, "/receive", async (socket, watched) =>
        {
            // A masked binary frame that announces 1,000 bytes, and only 10 of them.
            byte[] frame = [0x82, 0x80 | 126, 0x03, 0xE8, 1, 2, 3, 4, .. new byte[10]];
            await socket.SendAsync(frame, SocketFlags.None, Timeout);
            await watched.WaitUntilReceivingStartedAsync();
        });

    [Theory]
    [MemberData(nameof(Transports))]
    public Task a_reset_instead_of_the_answer_to_the_servers_close_ends_its_closing_handshake_with_1006(ServerTransport transport) =>
        // The server's close frame arrives (2-byte header, 2-byte code, "bye"); the peer resets instead of answering.
        ResetEachRoundAsync(transport, "/close-first", (socket, _) => ReadExactlyAsync(socket, 2 + 2 + 3));

    [Theory]
    [MemberData(nameof(Transports))]
    public Task a_reset_in_the_middle_of_the_peers_close_frame_ends_the_handler_with_1006(ServerTransport transport) =>
        ResetEachRoundAsync(transport, "/receive", async (socket, watched) =>
        {
            // A masked close frame announcing a code and a reason (8 bytes), cut after its mask and the code's first byte.
            byte[] partialClose = [0x88, 0x80 | 8, 9, 8, 7, 6, 0x03 ^ 9];
            await socket.SendAsync(partialClose, SocketFlags.None, Timeout);
            await watched.WaitUntilReceivingStartedAsync();
        });

    /// <summary>
    /// <see cref="Rounds"/> times: upgrades a raw socket on <paramref name="path"/>, brings the conversation to the moment
    /// <paramref name="thenReset"/> describes, resets, and expects the handler to end with 1006. Then nothing has leaked.
    /// </summary>
    private static async Task ResetEachRoundAsync(ServerTransport transport, string path, Func<Socket, WatchedServer, Task> thenReset)
    {
        await using var watched = await WatchedServer.StartAsync(transport);
        for (int i = 0; i < Rounds; i++)
        {
            using var socket = await watched.UpgradeAsync(path);
            await thenReset(socket, watched);
            Reset(socket);
            Assert.Equal(CloseCode.AbnormalClosure, await watched.NextEndAsync());
        }
        await watched.AssertNothingLeakedAsync();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task a_reset_in_the_middle_of_the_upgrade_request_leaves_no_connection_behind(ServerTransport transport)
    {
        await using var watched = await WatchedServer.StartAsync(transport);
        for (int i = 0; i < Rounds; i++)
        {
            using var socket = await ConnectAsync(watched.Port);
            await socket.SendAsync(Upgrade("/receive").AsMemory(0, 40), SocketFlags.None, Timeout);
            Reset(socket);
        }
        await watched.AssertNothingLeakedAsync();
        Assert.Equal(0, watched.Ended);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task a_reset_in_the_middle_of_the_tls_handshake_leaves_no_connection_behind_and_wss_goes_on(ServerTransport transport)
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var watched = await WatchedServer.StartAsync(transport, certificate);
        for (int i = 0; i < Rounds; i++)
        {
            // Half a ClientHello: a handshake record header that announces 512 bytes, and 16 of them.
            using var early = await ConnectAsync(watched.Port);
            await early.SendAsync((byte[])[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, .. new byte[16]], SocketFlags.None, Timeout);
            Reset(early);

            // A whole ClientHello, and a reset as soon as the server's first handshake flight arrives.
            using var late = await ConnectAsync(watched.Port);
            await using var tls = new SslStream(new ResetOnFirstReadStream(late), leaveInnerStreamOpen: false,
                (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());
            await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, Timeout));
        }
        await watched.AssertNothingLeakedAsync(certificate);
        Assert.Equal(0, watched.Ended);
    }

    /// <summary>SO_LINGER with a zero timeout turns the close into an RST: whatever was in flight is dropped.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Timeout);
        return socket;
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        int have = 0;
        while (have < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, Timeout);
            Assert.True(n > 0, "the server closed early");
            have += n;
        }
        return buffer;
    }

    /// <summary>
    /// A server whose handlers report how their connection ended: <c>/receive</c> receives until the close,
    /// <c>/close-first</c> starts the closing handshake at once. <c>/echo</c> proves it still serves.
    /// </summary>
    private sealed class WatchedServer : IAsyncDisposable
    {
        private readonly Channel<CloseCode?> _ends = Channel.CreateUnbounded<CloseCode?>();
        private readonly SemaphoreSlim _receiving = new(0);
        private WebSocketServer _server = null!;
        private int _ended;

        public int Port => _server.EndPoints[0].Port;

        public int Ended => Volatile.Read(ref _ended);

        public static async Task<WatchedServer> StartAsync(ServerTransport transport, X509Certificate2? certificate = null)
        {
            var watched = new WatchedServer();
            watched._server = new WebSocketServer(new WebSocketServerOptions
            {
                EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
                Transport = transport,
                Certificate = certificate,
                MaxConnections = Slots,
                HandshakeTimeout = TimeSpan.FromSeconds(20),
            });
            watched._server.Map("/receive", async (ws, ct) =>
            {
                var receive = ws.ReceiveAsync(ct);
                watched._receiving.Release();
                var message = await receive;
                while (!message.IsClose)
                {
                    message = await ws.ReceiveAsync(ct);
                }
                watched.Report(message.CloseStatus);
            });
            watched._server.Map("/close-first", async (ws, ct) =>
            {
                await ws.CloseAsync(CloseCode.NormalClosure, "bye", ct);
                watched.Report(ws.CloseStatus);
            });
            watched._server.Map("/echo", TestServer.Echo);
            await watched._server.StartAsync(TestContext.Current.CancellationToken);
            return watched;
        }

        private void Report(CloseCode? status)
        {
            Interlocked.Increment(ref _ended);
            _ends.Writer.TryWrite(status);
        }

        /// <summary>Upgrades a raw socket on <paramref name="path"/> and reads the 101's head, nothing after it.</summary>
        public async Task<Socket> UpgradeAsync(string path)
        {
            var socket = await ConnectAsync(Port);
            await socket.SendAsync(Upgrade(path), SocketFlags.None, Timeout);
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                Assert.Equal(1, await socket.ReceiveAsync(one, SocketFlags.None, Timeout));
                head.Append((char)one[0]);
            }
            Assert.StartsWith("HTTP/1.1 101 ", head.ToString(), StringComparison.Ordinal);
            return socket;
        }

        /// <summary>The handler of the last upgrade on /receive has called ReceiveAsync (so the reset lands in its receive).</summary>
        public Task WaitUntilReceivingStartedAsync() => _receiving.WaitAsync(Timeout);

        /// <summary>How the next handler's connection ended (its close status).</summary>
        public async Task<CloseCode?> NextEndAsync() => await _ends.Reader.ReadAsync(Timeout);

        /// <summary>
        /// Nothing is left: no connection open, and every place under MaxConnections can be taken again by a client that
        /// then gets an echo (a leaked place would be refused 503).
        /// </summary>
        public async Task AssertNothingLeakedAsync(X509Certificate2? trusted = null)
        {
            // Every reset connection has been let go: none upgraded, and none still counted in its handshake. A place still
            // taken would be refused with a plain-text 503, which a wss:// client can only read as a broken TLS record.
            while (_server.ConnectionCount > 0 || _server.AdmittedCount > 0)
            {
                await Task.Delay(10, Timeout);
            }
            var options = new WebSocketClientOptions { TrustedCertificate = trusted };
            var url = new Uri($"{(trusted is null ? "ws" : "wss")}://127.0.0.1:{Port}/echo");
            var clients = new List<WebSocketConnection>();
            try
            {
                for (int i = 0; i < Slots; i++)
                {
                    clients.Add(await ConnectWhenThereIsRoomAsync(url, options));
                }
                foreach (var client in clients)
                {
                    await client.SendTextAsync("still serving", Timeout);
                    Assert.Equal("still serving", (await client.ReceiveAsync(Timeout)).GetText());
                }
                Assert.Equal(Slots, _server.ConnectionCount);
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }

        /// <summary>A place is free once the server has finished with the reset connection; until then it may answer 503.</summary>
        private static async Task<WebSocketConnection> ConnectWhenThereIsRoomAsync(Uri url, WebSocketClientOptions options)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return await WebSocketClient.ConnectAsync(url, options, Timeout);
                }
                catch (WebSocketHandshakeException ex) when (attempt < 200 && ex.ResponseText?.StartsWith("HTTP/1.1 503 ", StringComparison.Ordinal) == true)
                {
                    await Task.Delay(20, Timeout);
                }
            }
        }

        public async ValueTask DisposeAsync() => await _server.DisposeAsync();
    }

    /// <summary>Passes writes through; the first read takes what the server sent, then resets the socket and fails.</summary>
    private sealed class ResetOnFirstReadStream(Socket socket) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            Reset(socket);
            throw new IOException("reset by the test after the server's first handshake flight");
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(socket.SendAsync(buffer, SocketFlags.None, cancellationToken).AsTask());

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
