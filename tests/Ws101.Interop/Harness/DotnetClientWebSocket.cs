using System.Net.Http;
using System.Net.WebSockets;

namespace Ws101.Interop.Harness;

/// <summary>
/// .NET's own <see cref="ClientWebSocket"/> as a peer of the ASP.NET Core tests: over HTTP/2 it needs an invoker of its
/// own, which here trusts exactly the test's certificate, and an exact version policy so that it cannot fall back.
/// </summary>
public static class DotnetClientWebSocket
{
    /// <summary>An invoker whose handler trusts exactly <paramref name="trusted"/> (nothing, when null: for h2c).</summary>
    public static HttpMessageInvoker Invoker(TestCertificate? trusted) => new(new SocketsHttpHandler
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, _) => trusted is not null && cert is not null
                && cert.GetRawCertData().AsSpan().SequenceEqual(trusted.Certificate.RawData),
        },
    });

    /// <summary>Connects over exactly HTTP <paramref name="version"/> (no fallback), offering <paramref name="subprotocol"/>.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri url, HttpMessageInvoker invoker, Version version, string subprotocol, CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.HttpVersion = version;
        ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        ws.Options.AddSubProtocol(subprotocol);
        try
        {
            await ws.ConnectAsync(url, invoker, cancellationToken).ConfigureAwait(false);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    /// <summary>Receives one whole message (its parts joined), or the close (with no data).</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveWholeAsync(ClientWebSocket ws, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, []);
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }
}
