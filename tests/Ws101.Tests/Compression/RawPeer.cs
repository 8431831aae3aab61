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
    public Task SendFrameAsync(byte first, ReadOnlyMemory<byte> payload, CancellationToken ct) =>
        SendBytesAsync(MaskedFrame(first, payload.Span), ct);

    /// <summary>Writes <paramref name="bytes"/> as they are: a piece of a frame, say.</summary>
    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) => await _stream.WriteAsync(bytes, ct);

    /// <summary>One masked frame, as a client sends it, with the given first byte (FIN, RSV bits, opcode).</summary>
    public static byte[] MaskedFrame(byte first, ReadOnlySpan<byte> payload)
    {
        int headerLength = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[headerLength + 4 + payload.Length];
        frame[0] = first;
        if (headerLength == 2)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (headerLength == 4)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }
        ReadOnlySpan<byte> key = [0x12, 0x34, 0x56, 0x78];
        key.CopyTo(frame.AsSpan(headerLength));
        for (int i = 0; i < payload.Length; i++)
        {
            frame[headerLength + 4 + i] = (byte)(payload[i] ^ key[i & 3]);
        }
        return frame;
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
