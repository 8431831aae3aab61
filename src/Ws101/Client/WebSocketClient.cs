using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport;
using Ws101.Transport.Linux;
using Ws101.Client;

namespace Ws101;

/// <summary>Opens WebSocket connections to ws:// and wss:// URLs.</summary>
/// <example>
/// <code>
/// await using var ws = await WebSocketClient.ConnectAsync(new Uri("ws://127.0.0.1:8080/echo"));
/// await ws.SendTextAsync("hello");
/// var reply = await ws.ReceiveAsync();
/// Console.WriteLine(reply.GetText());
/// await ws.CloseAsync();
/// </code>
/// </example>
public static class WebSocketClient
{
    /// <summary>
    /// Connects, performs the opening handshake, and returns the open connection.
    /// </summary>
    /// <remarks>
    /// <see cref="WebSocketClientOptions.HttpVersion"/> chooses an HTTP/1.1 upgrade (the default) or an RFC 8441 extended
    /// CONNECT on an HTTP/2 stream; everything else is the same.
    /// </remarks>
    /// <exception cref="WebSocketHandshakeException">
    /// The connection or the handshake failed; its problems say why (connection-failed, tls-failed,
    /// handshake-timeout, accept-mismatch, not-found, extended-connect-not-supported, …) and it carries the request and
    /// response (over HTTP/2, their pseudo-header fields and fields).
    /// </exception>
    /// <exception cref="ArgumentException">The URL is not ws:// or wss://, or an option is invalid.</exception>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WebSocketClientOptions();
        options.Connection.Validate();
        var request = ClientHandshakeRequest.Create(uri, Compression.PerMessageDeflateNegotiation.AddOffer(options.Handshake, options.Connection.Compression));
        if (options.HttpVersion != WebSocketHttpVersion.Http11)
        {
            try
            {
                // RFC 8441: the same offer (subprotocols, extensions, Origin, headers) as an extended CONNECT on an HTTP/2 stream.
                return await ExtendedConnectClient.ConnectAsync(uri, options, request.Offer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketHandshakeException ex) when (options.HttpVersion == WebSocketHttpVersion.Http2OrHttp11
                && ex.Problems is [{ Code: HandshakeProblemCode.ExtendedConnectNotSupported or HandshakeProblemCode.Http2NotNegotiated }])
            {
                // The server has no WebSockets over HTTP/2: an HTTP/1.1 upgrade on a connection of its own, as a browser would.
            }
        }
        DuplexTransport underTls;
        Stream? tlsStream = null;
        if (options.UseEventLoop && EventLoopGroup.IsSupported && ProxyFor(uri, options) is null)
        {
            underTls = await ConnectOnLoopAsync(uri.DnsSafeHost, uri.Port, options, cancellationToken).ConfigureAwait(false);
            tlsStream = new TransportStream(underTls);
        }
        else
        {
            var socket = await ConnectSocketAsync(uri, options, cancellationToken).ConfigureAwait(false);
            underTls = new SocketTransport(socket);
        }
        DuplexTransport transport = underTls;
        string? responseText = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            if (request.IsSecure)
            {
                var ssl = new SslStream(tlsStream ?? new NetworkStream(((SocketTransport)underTls).Socket, ownsSocket: false), leaveInnerStreamOpen: false);
                transport = new StreamTransport(ssl, underTls);
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = uri.IdnHost,
                        RemoteCertificateValidationCallback = options.CertificateValidation ?? TrustCallback(options.TrustedCertificate),
                    }, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
                {
                    throw Fail(HandshakeProblemCode.TlsFailed, $"{uri.IdnHost}:{uri.Port}", ex.Message, request.Text, null, ex);
                }
            }
            await transport.SendAsync(request.ToBytes(), timeout.Token).ConfigureAwait(false);
            var (result, head, leftover, text) = await ReadResponseAsync(transport, request, options, timeout.Token).ConfigureAwait(false);
            responseText = text;
            if (!result.IsSuccess)
            {
                throw new WebSocketHandshakeException(result.Problems, request.Text, responseText);
            }
            var info = new WebSocketHandshakeInfo(request.Target, ParseRequestHeaders(request), head!.Headers, result.Subprotocol, result.Extensions, request.Text, responseText!);
            var deflate = Compression.PerMessageDeflateNegotiation.FromResponse(result.Extensions);
            var connection = new WebSocketConnection(transport, WebSocketRole.Client, options.Connection, info, leftover, deflate);
            ConnectionHeartbeat.Shared.Register(connection);
            return connection;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw Fail(HandshakeProblemCode.HandshakeTimeout, "response",
                $"no complete response within {options.HandshakeTimeout.TotalSeconds:0.#} s", request.Text, responseText, null);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw Fail(HandshakeProblemCode.TruncatedHead, "response", ex.Message, request.Text, responseText, ex);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static HttpHeaders ParseRequestHeaders(ClientHandshakeRequest request) =>
        HttpRequestHead.Parse(request.ToBytes()).Head?.Headers ?? new HttpHeaders();

    private static async Task<(ClientHandshakeResult Result, HttpResponseHead? Head, byte[] Leftover, string? Text)> ReadResponseAsync(
        DuplexTransport transport, ClientHandshakeRequest request, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        int max = options.ResponseLimits.MaxHeadBytes + ClientHandshake.BodyPreviewLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(4096, max));
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length && buffer.Length < max)
                {
                    buffer = PooledArrays.Grow(buffer, filled, Math.Min(buffer.Length * 2, max));
                }
                int n = filled < buffer.Length ? await transport.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false) : 0;
                filled += n;
                var sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
                var result = ClientHandshake.Read(request.Offer, sequence, connectionEnded: n == 0, options.ResponseLimits, out int consumed, out var head);
                if (result is null)
                {
                    continue;
                }
                string text = Encoding.Latin1.GetString(buffer, 0, result.IsSuccess ? consumed : filled);
                if (!result.IsSuccess && head is not null && head.StatusCode != 101 && n > 0 && filled < max)
                {
                    // Give a non-101 answer a moment to deliver the start of its body: it usually says why.
                    filled = await ReadMoreQuietlyAsync(transport, buffer, filled, Math.Min(max, buffer.Length)).ConfigureAwait(false);
                    sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
                    result = ClientHandshake.Read(request.Offer, sequence, true, options.ResponseLimits, out _, out head) ?? result;
                    text = Encoding.Latin1.GetString(buffer, 0, filled);
                }
                return (result, head, buffer.AsSpan(consumed, filled - consumed).ToArray(), text);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<int> ReadMoreQuietlyAsync(DuplexTransport transport, byte[] buffer, int filled, int limit)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            while (filled < limit)
            {
                int n = await transport.ReceiveAsync(buffer.AsMemory(filled, limit - filled), cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                filled += n;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
        }
        return filled;
    }

    private static async Task<Socket> ConnectSocketAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        Uri? proxy = ProxyFor(uri, options);
        if (proxy is null)
        {
            return await ConnectDirectAsync(uri.DnsSafeHost, uri.Port, options, cancellationToken).ConfigureAwait(false);
        }
        var socket = await ConnectDirectAsync(proxy.DnsSafeHost, proxy.Port, options, cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await HttpConnectTunnel.EstablishAsync(socket, uri.DnsSafeHost, uri.Port, options.ProxyCredentials, proxy, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (Exception ex) when (ex is not WebSocketHandshakeException)
        {
            socket.Dispose();
            throw new WebSocketHandshakeException([new HandshakeProblem(HandshakeProblemCode.ProxyFailed, $"proxy {proxy.Authority}", null, ex.Message)], null, null, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The proxy to tunnel through: the one given, else the system's when asked for; null: connect directly.</summary>
    private static Uri? ProxyFor(Uri uri, WebSocketClientOptions options) =>
        options.Proxy ?? (options.UseSystemProxy ? SystemProxyFor(uri) : null);

    /// <summary>The system proxy for the http(s) form of a ws(s) URL, or null when it says "direct".</summary>
    private static Uri? SystemProxyFor(Uri uri)
    {
        var http = new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? "https" : "http" }.Uri;
        var system = System.Net.Http.HttpClient.DefaultProxy;
        return system.IsBypassed(http) ? null : system.GetProxy(http) is { } p && p != http ? p : null;
    }

    private static Task<Socket> ConnectDirectAsync(string host, int port, WebSocketClientOptions options, CancellationToken cancellationToken) =>
        ConnectFirstAsync(host, port, options, static async (endPoint, token) =>
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint, token).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, cancellationToken);

    /// <summary>As <see cref="ConnectDirectAsync"/>, onto one of the client event loops (<see cref="WebSocketClientOptions.UseEventLoop"/>).</summary>
    private static async Task<DuplexTransport> ConnectOnLoopAsync(string host, int port, WebSocketClientOptions options, CancellationToken cancellationToken) =>
        await ConnectFirstAsync(host, port, options, EpollConnector.ConnectAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Resolves <paramref name="host"/> and connects to its addresses in turn, each within the connect timeout, until one
    /// answers: the first connection, or a <see cref="HandshakeProblemCode.ConnectionFailed"/> naming the last failure.
    /// </summary>
    private static async Task<T> ConnectFirstAsync<T>(string host, int port, WebSocketClientOptions options,
        Func<IPEndPoint, CancellationToken, Task<T>> connect, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw Fail(HandshakeProblemCode.ConnectionFailed, host, $"the name '{host}' does not resolve ({ex.SocketErrorCode})", null, null, ex);
            }
        }
        Exception? last = null;
        foreach (var address in addresses)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                return await connect(new IPEndPoint(address, port), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = new TimeoutException($"connecting to {address}:{port} took more than {options.ConnectTimeout.TotalSeconds:0.#} s");
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }
        string why = last is SocketException se ? $"{se.SocketErrorCode} ({se.Message})" : last?.Message ?? "no address";
        throw Fail(HandshakeProblemCode.ConnectionFailed, $"{host}:{port}", why, null, null, last);
    }

    internal static RemoteCertificateValidationCallback? TrustCallback(X509Certificate2? trusted)
    {
        if (trusted is null)
        {
            return null;
        }
        return (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }
            // Only an untrusted root may be overridden, and only for the exact certificate given; a name mismatch never is.
            return errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null
                && certificate.GetRawCertData().AsSpan().SequenceEqual(trusted.RawData);
        };
    }

    private static WebSocketHandshakeException Fail(HandshakeProblemCode code, string subject, string actual, string? request, string? response, Exception? inner) =>
        new([new HandshakeProblem(code, subject, null, actual)], request, response, inner);
}
