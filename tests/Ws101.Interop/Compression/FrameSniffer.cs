using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ws101.Interop.Compression;

/// <summary>
/// A TCP relay between a WebSocket client and server on 127.0.0.1 that reads the frames going each way after the
/// opening handshake and records the first byte (FIN, RSV1-3, opcode) of every frame: proof from the wire of what
/// each side really sent, whoever the peers are.
/// </summary>
internal sealed class FrameSniffer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];

    public FrameSniffer(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _tasks.Add(AcceptAsync());
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>First bytes of the frames the client sent.</summary>
    public ConcurrentQueue<byte> FromClient { get; } = new();

    /// <summary>First bytes of the frames the server sent.</summary>
    public ConcurrentQueue<byte> FromServer { get; } = new();

    /// <summary>The HTTP head the server sent before its frames (the 101), as Latin-1 text; empty until it is complete.</summary>
    public string ServerHead => _serverHead;

    private volatile string _serverHead = "";

    /// <summary>Whether any data frame going that way had RSV1 (0x40) set.</summary>
    public static bool AnyCompressed(IEnumerable<byte> firsts) => firsts.Any(b => (b & 0x40) != 0 && (b & 0x0f) is 1 or 2);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new TcpClient();
            await server.ConnectAsync(_target, _stop.Token);
            lock (_tasks)
            {
                _tasks.Add(RelayAsync(client, server, new Parser(FromClient, null)));
                _tasks.Add(RelayAsync(server, client, new Parser(FromServer, head => _serverHead = head)));
            }
        }
    }

    private async Task RelayAsync(TcpClient from, TcpClient to, Parser parser)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int n;
            while ((n = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, n));
                await output.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            to.Close();
        }
    }

    /// <summary>Skips the HTTP head, then walks frame headers (RFC 6455 §5.2) across reads.</summary>
    private sealed class Parser(ConcurrentQueue<byte> record, Action<string>? onHead)
    {
        private readonly System.Text.StringBuilder _head = new();
        private int _headMatch;          // how much of "\r\n\r\n" was just seen
        private bool _inFrames;
        private readonly byte[] _header = new byte[14];
        private int _headerHave;
        private long _skip;

        public void Feed(ReadOnlySpan<byte> data)
        {
            int i = 0;
            while (i < data.Length)
            {
                if (!_inFrames)
                {
                    byte b = data[i++];
                    _head.Append((char)b);
                    _headMatch = b == (_headMatch % 2 == 0 ? (byte)'\r' : (byte)'\n') ? _headMatch + 1 : (b == '\r' ? 1 : 0);
                    _inFrames = _headMatch == 4;
                    if (_inFrames)
                    {
                        onHead?.Invoke(_head.ToString());
                    }
                    continue;
                }
                if (_skip > 0)
                {
                    int take = (int)Math.Min(_skip, data.Length - i);
                    _skip -= take;
                    i += take;
                    continue;
                }
                _header[_headerHave++] = data[i++];
                if (_headerHave < 2)
                {
                    continue;
                }
                int len7 = _header[1] & 0x7f;
                int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
                if (_headerHave < need)
                {
                    continue;
                }
                long length = len7 switch
                {
                    126 => (_header[2] << 8) | _header[3],
                    127 => (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)),
                    _ => len7,
                };
                record.Enqueue(_header[0]);
                _headerHave = 0;
                _skip = length;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(5000));
        _stop.Dispose();
    }
}
