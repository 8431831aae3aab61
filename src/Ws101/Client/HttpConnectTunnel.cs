using System.Net;
using System.Net.Sockets;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Client;

/// <summary>
/// Opens a tunnel through an HTTP proxy with <c>CONNECT host:port</c> (RFC 9110 §9.3.6), optionally with Basic
/// credentials (RFC 7617). After the proxy's 2xx, the socket carries TLS and the WebSocket handshake as if connected
/// directly.
/// </summary>
internal static class HttpConnectTunnel
{
    public static async Task EstablishAsync(Socket socket, string host, int port, NetworkCredential? credentials, Uri proxy, CancellationToken cancellationToken)
    {
        string authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
        var request = new StringBuilder();
        request.Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(authority).Append("\r\n");
        if (credentials is not null)
        {
            string token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}"));
            request.Append("Proxy-Authorization: Basic ").Append(token).Append("\r\n");
        }
        request.Append("\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, cancellationToken).ConfigureAwait(false);

        // Read the proxy's answer byte by byte up to its empty line, so that no byte of the tunnel is consumed here.
        var head = new byte[HttpParseLimits.Default.MaxHeadBytes];
        int filled = 0;
        while (true)
        {
            if (filled == head.Length)
            {
                throw Fail(proxy, authority, "the proxy's answer is larger than any HTTP head", null);
            }
            int n = await socket.ReceiveAsync(head.AsMemory(filled, 1), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw Fail(proxy, authority, "the proxy closed the connection without answering CONNECT", null);
            }
            filled++;
            if (filled >= 4 && head.AsSpan(filled - 4, 4).SequenceEqual("\r\n\r\n"u8) || filled >= 2 && head.AsSpan(filled - 2, 2).SequenceEqual("\n\n"u8))
            {
                break;
            }
        }
        var parsed = HttpResponseHead.Parse(head.AsSpan(0, filled));
        if (parsed.Status != HttpParseStatus.Complete)
        {
            throw Fail(proxy, authority, "the proxy's answer to CONNECT is not HTTP", Encoding.Latin1.GetString(head, 0, filled));
        }
        int status = parsed.Head!.StatusCode;
        if (status is < 200 or > 299)
        {
            string why = status == 407 ? $"the proxy wants credentials ({parsed.Head.Headers.GetFirst("Proxy-Authenticate") ?? "407"})"
                : $"the proxy refused the tunnel: {parsed.Head.StatusLine}";
            throw Fail(proxy, authority, why, Encoding.Latin1.GetString(head, 0, filled));
        }
    }

    private static WebSocketHandshakeException Fail(Uri proxy, string authority, string why, string? response) =>
        new([new HandshakeProblem(HandshakeProblemCode.ProxyFailed, $"proxy {proxy.Authority}", $"200 to CONNECT {authority}", why)],
            $"CONNECT {authority} HTTP/1.1", response);
}
