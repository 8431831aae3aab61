using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ws101.Tests.Compression;

/// <summary>A hand-driven client on a raw socket: writes exactly the frames a test wants and reads the server's frames byte by byte.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public string ResponseHead { get; private set; } = "";

    public static async Task<RawPeer> ConnectAsync(int port, string path, string? extensions, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        var peer = new RawPeer(socket);
        string request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            (extensions is null ? "" : $"Sec-WebSocket-Extensions: {extensions}\r\n") + "\r\n";
        await peer._stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await peer._stream.ReadAsync(one, ct) == 0)
            {
                throw new IOException("closed during the handshake: " + head);
            }
            head.Append((char)one[0]);
        }
        peer.ResponseHead = head.ToString();
        return peer;
    }

    /// <summary>Writes one masked frame with the given first byte (FIN, RSV bits, opcode).</summary>
    public async Task SendFrameAsync(byte first, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var header = new byte[14];
        header[0] = first;
        int n;
        if (payload.Length < 126)
        {
            header[1] = (byte)(0x80 | payload.Length);
            n = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)payload.Length);
            n = 4;
        }
        else
        {
            header[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), (ulong)payload.Length);
            n = 10;
        }
        byte[] key = [0x12, 0x34, 0x56, 0x78];
        key.CopyTo(header, n);
        n += 4;
        var masked = payload.ToArray();
        for (int i = 0; i < masked.Length; i++)
        {
            masked[i] ^= key[i & 3];
        }
        await _stream.WriteAsync(header.AsMemory(0, n), ct);
        await _stream.WriteAsync(masked, ct);
    }

    /// <summary>Reads one frame of the server's: its first byte and payload; null when the connection ended.</summary>
    public async Task<(byte First, byte[] Payload)?> ReadFrameAsync(CancellationToken ct)
    {
        var h = new byte[2];
        if (!await ReadExactlyAsync(h, ct))
        {
            return null;
        }
        long length = h[1] & 0x7f;
        if (length == 126)
        {
            var b = new byte[2];
            await ReadExactlyAsync(b, ct);
            length = BinaryPrimitives.ReadUInt16BigEndian(b);
        }
        else if (length == 127)
        {
            var b = new byte[8];
            await ReadExactlyAsync(b, ct);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(b);
        }
        var payload = new byte[length];
        await ReadExactlyAsync(payload, ct);
        return (h[0], payload);
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
