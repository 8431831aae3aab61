using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ws101.Tests.PubSub;

/// <summary>
/// The few RESP commands the tests send to a Redis of their own on 127.0.0.1 (to set it up and to check what the
/// nodes did), over a connection per command, so that the check does not go through the client under test.
/// </summary>
internal static class RedisWire
{
    /// <summary>Sends one command and returns its reply: a string, a long, null, or an object[] for arrays.</summary>
    public static async Task<object?> CommandAsync(int port, string[] args, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        var stream = client.GetStream();
        var sb = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), ct);
        return await ReadReplyAsync(stream, ct);
    }

    /// <summary>Sends a command whose last argument is raw bytes (to publish garbage, say).</summary>
    public static async Task<object?> CommandAsync(int port, string[] args, byte[] last, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        var stream = client.GetStream();
        var sb = new StringBuilder().Append('*').Append(args.Length + 1).Append("\r\n");
        foreach (var a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }
        sb.Append('$').Append(last.Length).Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()).Concat(last).Concat("\r\n"u8.ToArray()).ToArray(), ct);
        return await ReadReplyAsync(stream, ct);
    }

    private static async Task<object?> ReadReplyAsync(Stream stream, CancellationToken ct)
    {
        string line = await ReadLineAsync(stream, ct);
        switch (line[0])
        {
            case '+':
                return line[1..];
            case '-':
                throw new InvalidOperationException("redis: " + line[1..]);
            case ':':
                return long.Parse(line[1..]);
            case '$':
                int length = int.Parse(line[1..]);
                if (length < 0)
                {
                    return null;
                }
                var data = new byte[length + 2];
                await stream.ReadExactlyAsync(data, ct);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                int count = int.Parse(line[1..]);
                if (count < 0)
                {
                    return null;
                }
                var items = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync(stream, ct);
                }
                return items;
            default:
                throw new InvalidOperationException("redis: unexpected reply " + line);
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, ct);
            if (one[0] == '\n' && sb.Length > 0 && sb[^1] == '\r')
            {
                return sb.ToString(0, sb.Length - 1);
            }
            sb.Append((char)one[0]);
        }
    }
}
