using System.Text;
using Ws101.Handshake;

namespace Ws101.Tests.Client;

/// <summary>
/// The server's side of a hand-written conversation, for tests of our client that need a peer doing exactly what they
/// say: it reads the upgrade byte by byte (so no frame after it is consumed), answers 101 with what the test chooses,
/// and reads the client's masked frames one by one.
/// </summary>
internal static class RawServer
{
    /// <summary>Reads an HTTP head up to and including its blank line, one byte at a time.</summary>
    /// <exception cref="IOException">The peer closed before the head ended.</exception>
    public static async Task<string> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                throw new IOException("the peer closed inside the HTTP head: " + head);
            }
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    /// <summary>
    /// Reads the client's upgrade request and answers 101 with its accept value and <paramref name="extraHeaderLines"/>
    /// (each "Name: value\r\n"). Returns the request head.
    /// </summary>
    public static async Task<string> AnswerUpgradeAsync(Stream stream, string extraHeaderLines, CancellationToken ct)
    {
        string head = await ReadHeadAsync(stream, ct);
        string key = head.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {WebSocketAccept.Compute(key)}\r\n{extraHeaderLines}\r\n"), ct);
        return head;
    }

    /// <summary>Reads one frame of the client's (masked, payload under 64 KiB): its first byte and its unmasked payload.</summary>
    public static async Task<(byte First, byte[] Payload)> ReadClientFrameAsync(Stream stream, CancellationToken ct)
    {
        var h = new byte[2];
        await stream.ReadExactlyAsync(h, ct);
        Assert.True((h[1] & 0x80) != 0, "a client masks every frame (RFC 6455 §5.1)");
        int length = h[1] & 0x7f;
        Assert.True(length != 127, "ReadClientFrameAsync reads frames under 64 KiB");
        if (length == 126)
        {
            var b = new byte[2];
            await stream.ReadExactlyAsync(b, ct);
            length = (b[0] << 8) | b[1];
        }
        var mask = new byte[4];
        await stream.ReadExactlyAsync(mask, ct);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, ct);
        for (int j = 0; j < length; j++)
        {
            payload[j] ^= mask[j & 3];
        }
        return (h[0], payload);
    }
}
