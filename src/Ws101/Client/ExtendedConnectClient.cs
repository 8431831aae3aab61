using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101.Client;

/// <summary>
/// Opens a WebSocket on an HTTP/2 stream (RFC 8441) with .NET's own HTTP/2 engine: <see cref="SocketsHttpHandler"/> sends
/// the extended CONNECT (:method CONNECT, :protocol websocket) once the server's SETTINGS allow it, and hands back the
/// stream, which carries the WebSocket's frames. The response is checked by <see cref="ClientHandshake"/>'s RFC 8441
/// rules; every failure becomes a <see cref="WebSocketHandshakeException"/> with the request's and response's fields.
/// </summary>
internal static class ExtendedConnectClient
{
    /// <summary>Connects; throws <see cref="WebSocketHandshakeException"/> with the problems when it cannot.</summary>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, WebSocketClientOptions options, HandshakeOffer offer, CancellationToken cancellationToken)
    {
        // RFC 8441 §5: the target URI's scheme is https for wss and http for ws.
        var httpUri = new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? Uri.UriSchemeHttps : Uri.UriSchemeHttp }.Uri;
        var headers = ExtendedConnect.ClientRequestHeaders(offer, options.Handshake.Headers);
        string requestText = Http2HeaderBlock.Format(ExtendedConnect.RequestFields(httpUri, headers));
        var (invoker, dedicated) = Http2HandlerPool.Get(options);
        using var request = new HttpRequestMessage(HttpMethod.Connect, httpUri)
        {
            Version = System.Net.HttpVersion.Version20,
            // Exactly HTTP/2: an HTTP/1.1 CONNECT would be a proxy tunnel, not a WebSocket.
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Protocol = ExtendedConnect.WebSocketProtocol;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The connection, TLS and the exchange of SETTINGS and HEADERS; a shared connection skips the first two.
        timeout.CancelAfter(options.ConnectTimeout + options.HandshakeTimeout);
        HttpResponseMessage? response = null;
        bool handedOver = false;
        try
        {
            try
            {
                response = await invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw Refused(ex.HttpRequestError, ex, uri, requestText);
            }
            catch (HttpIOException ex)
            {
                // A protocol error (HttpProtocolException: a stream reset, or a peer that is not HTTP/2) or a response cut short.
                throw Refused(ex.HttpRequestError, ex, uri, requestText);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(ex, options, requestText, null);
            }
            var fields = ResponseFields(response);
            var head = ExtendedConnect.CreateResponseHead((int)response.StatusCode, fields);
            string responseText = Http2HeaderBlock.Format([new(ExtendedConnect.StatusField, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                .. fields]);
            bool success = (int)response.StatusCode is >= 200 and < 300;
            string? preview = success && !HasContent(response) ? null : await PreviewAsync(response).ConfigureAwait(false);
            var result = ClientHandshake.Validate(offer, head, preview);
            if (!result.IsSuccess)
            {
                throw new WebSocketHandshakeException(result.Problems, requestText, preview is null ? responseText : responseText + preview);
            }
            Stream stream;
            try
            {
                stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(ex, options, requestText, responseText);
            }
            var requestFields = new HttpHeaders(ExtendedConnect.RequestFields(httpUri, headers).Select((f, i) => new HttpHeaderField(f.Key, f.Value, i + 1)));
            var info = new WebSocketHandshakeInfo(string.IsNullOrEmpty(httpUri.PathAndQuery) ? "/" : httpUri.PathAndQuery, requestFields, head.Headers,
                result.Subprotocol, result.Extensions, requestText, responseText, ExtendedConnect.Http2);
            var deflate = Compression.PerMessageDeflateNegotiation.FromResponse(result.Extensions);
            // The runtime's HTTP/2 request stream buffers what is written until it is flushed: flush every send.
            var transport = new StreamTransport(stream, null, owner: new Lease(response, dedicated), flushEachSend: true);
            handedOver = true;
            var connection = new WebSocketConnection(transport, WebSocketRole.Client, options.Connection, info, [], deflate);
            ConnectionHeartbeat.Shared.Register(connection);
            return connection;
        }
        finally
        {
            if (!handedOver)
            {
                response?.Dispose();
                dedicated?.Dispose();
            }
        }
    }

    /// <summary>The response's fields as sent over HTTP/2 (lower-case names), content fields included.</summary>
    private static List<KeyValuePair<string, string>> ResponseFields(HttpResponseMessage response)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                fields.Add(new(name.ToLowerInvariant(), value));
            }
        }
        foreach (var (name, values) in response.Content.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                fields.Add(new(name.ToLowerInvariant(), value));
            }
        }
        return fields;
    }

    private static bool HasContent(HttpResponseMessage response) =>
        response.Content.Headers.ContentLength is > 0 || response.Content.Headers.ContentType is not null;

    /// <summary>The start of a refusal's body (it usually says why), read for at most 200 ms.</summary>
    private static async Task<string?> PreviewAsync(HttpResponseMessage response)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var buffer = new byte[ClientHandshake.BodyPreviewLength];
        int filled = 0;
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            while (filled < buffer.Length)
            {
                int n = await body.ReadAsync(buffer.AsMemory(filled), cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                filled += n;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled);
    }

    /// <summary>
    /// What <see cref="SocketsHttpHandler"/>'s refusal means for a WebSocket: the server that cannot, named as such (the
    /// runtime's own message for a missing SETTINGS_ENABLE_CONNECT_PROTOCOL blames the request), a failed connection or
    /// TLS handshake, a proxy, or a stream reset.
    /// </summary>
    private static WebSocketHandshakeException Refused(HttpRequestError error, Exception ex, Uri uri, string requestText)
    {
        string server = $"{uri.IdnHost}:{uri.Port}";
        long? code = (ex as HttpProtocolException)?.ErrorCode;
        // RFC 9113 §3.4: the server's first frame answers the connection preface; a peer that reads the preface as HTTP/1.1
        // answers in HTTP/1.1, which parses as a malformed frame (PROTOCOL_ERROR, FRAME_SIZE_ERROR), or hangs up.
        // Which of these the runtime reports is a race: the HTTP/1.1 answer read as a frame fails the connection either
        // before the request has a stream on it (then the runtime says only that the new HTTP/2 connection could not be
        // established: HttpRequestError.Unknown, no inner cause) or after (PROTOCOL_ERROR). Both mean the same here.
        bool noH2c = uri.Scheme == "ws" && (error is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
            || (error == HttpRequestError.HttpProtocolError && code is null or 0x1 or 0x6)
            || (error == HttpRequestError.Unknown && ex is HttpRequestException { InnerException: null }));
        HandshakeProblem problem = error switch
        {
            // RFC 8441 §3: the server's SETTINGS did not carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
            HttpRequestError.ExtendedConnectNotSupported => new HandshakeProblem(HandshakeProblemCode.ExtendedConnectNotSupported, $"SETTINGS of {server}",
                "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", "not sent")
            {
                Evidence = $"{server} speaks HTTP/2, and its SETTINGS frame did not enable the extended CONNECT (the runtime reported: {ex.Message})",
            },
            HttpRequestError.VersionNegotiationError => new HandshakeProblem(HandshakeProblemCode.Http2NotNegotiated, server,
                uri.Scheme == "wss" ? "ALPN h2" : "an HTTP/2 answer to the connection preface (h2c)", uri.Scheme == "wss" ? "http/1.1 or no ALPN" : "no HTTP/2")
            {
                Evidence = $"{server} did not agree to HTTP/2 (the runtime reported: {ex.Message})",
            },
            _ when noH2c => new HandshakeProblem(HandshakeProblemCode.Http2NotNegotiated, server, "an HTTP/2 answer to the connection preface (h2c)", "no HTTP/2")
            {
                Evidence = $"{server} did not answer the HTTP/2 connection preface sent with prior knowledge in HTTP/2: it speaks HTTP/1.1 only on this port (the runtime reported: {ex.Message})",
            },
            HttpRequestError.SecureConnectionError => new HandshakeProblem(HandshakeProblemCode.TlsFailed, server, null, Describe(ex)),
            HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError => new HandshakeProblem(HandshakeProblemCode.ConnectionFailed, server, null, Describe(ex)),
            HttpRequestError.ProxyTunnelError => new HandshakeProblem(HandshakeProblemCode.ProxyFailed, "proxy", null, Describe(ex)),
            HttpRequestError.HttpProtocolError when code is not null => new HandshakeProblem(HandshakeProblemCode.TruncatedHead, "response",
                "a :status for the extended CONNECT", $"the HTTP/2 stream or connection was reset (error code 0x{code:x})")
            {
                Evidence = $"the server (or a proxy) reset instead of answering: it may refuse extended CONNECT on this path, or have failed (the runtime reported: {ex.Message})",
            },
            _ => new HandshakeProblem(HandshakeProblemCode.TruncatedHead, "response", "a :status for the extended CONNECT", Describe(ex)),
        };
        return new WebSocketHandshakeException([problem], requestText, null, ex);
    }

    private static string Describe(Exception ex)
    {
        var inner = ex.InnerException;
        return inner is SocketException se ? $"{se.SocketErrorCode} ({se.Message})"
            : inner is System.Security.Authentication.AuthenticationException ae ? ae.Message
            : inner is not null && inner.Message != ex.Message ? $"{ex.Message} {inner.Message}" : ex.Message;
    }

    private static WebSocketHandshakeException TimedOut(Exception ex, WebSocketClientOptions options, string requestText, string? responseText) =>
        new([new HandshakeProblem(HandshakeProblemCode.HandshakeTimeout, "response", null,
            $"no answer to the extended CONNECT within {(options.ConnectTimeout + options.HandshakeTimeout).TotalSeconds:0.#} s")], requestText, responseText, ex);

    /// <summary>What keeps an HTTP/2 WebSocket's stream alive: the response it came from, and a handler of its own if it has one.</summary>
    private sealed class Lease(HttpResponseMessage response, IDisposable? dedicated) : IDisposable
    {
        public void Dispose()
        {
            response.Dispose();
            dedicated?.Dispose();
        }
    }
}
