using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;

namespace Ws101.Client;

/// <summary>
/// The <see cref="SocketsHttpHandler"/>s that carry WebSockets over HTTP/2 (RFC 8441). A handler keeps one pool of
/// connections per origin; WebSockets to one origin opened with the same connection settings (TLS trust, proxy, connect
/// timeout) share it, each as a stream of one HTTP/2 connection. The bounds:
/// <list type="bullet">
/// <item>at most <see cref="MaxShared"/> shared handlers in the process, one per distinct connection setting; a WebSocket
/// with yet another setting gets a handler of its own, disposed with it;</item>
/// <item>on one connection, at most as many WebSockets as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows (Kestrel:
/// 100); the handler then opens another connection to the origin (<see cref="SocketsHttpHandler.EnableMultipleHttp2Connections"/>)
/// rather than keeping a WebSocket waiting for a stream that a long-lived WebSocket may never free;</item>
/// <item>a connection with no stream left is closed after <see cref="SocketsHttpHandler.PooledConnectionIdleTimeout"/> (1 minute).</item>
/// </list>
/// </summary>
internal static class Http2HandlerPool
{
    /// <summary>The most shared handlers (distinct connection settings) kept for the process's life.</summary>
    public const int MaxShared = 16;

    private static readonly ConcurrentDictionary<Key, HttpMessageInvoker> Shared = new();

    /// <summary>What makes two WebSockets able to share a connection: everything the handler uses to open one.</summary>
    private readonly record struct Key(string? TrustedThumbprint, RemoteCertificateValidationCallback? Validation, Uri? Proxy,
        NetworkCredential? ProxyCredentials, bool UseSystemProxy, TimeSpan ConnectTimeout, int MaxResponseHeadersKilobytes);

    /// <summary>The invoker for these options; <c>Dedicated</c> is set (and must be disposed with the WebSocket) when it is not shared.</summary>
    public static (HttpMessageInvoker Invoker, IDisposable? Dedicated) Get(WebSocketClientOptions options)
    {
        var key = new Key(options.TrustedCertificate?.Thumbprint, options.CertificateValidation, options.Proxy, options.ProxyCredentials,
            options.UseSystemProxy, options.ConnectTimeout, Math.Max(1, (options.ResponseLimits.MaxHeadBytes + 1023) / 1024));
        if (Shared.TryGetValue(key, out var shared))
        {
            return (shared, null);
        }
        var created = Create(options, key.MaxResponseHeadersKilobytes);
        if (Shared.Count < MaxShared)
        {
            if (Shared.TryAdd(key, created))
            {
                return (created, null);
            }
            created.Dispose();
            return (Shared[key], null);
        }
        return (created, created);
    }

    private static HttpMessageInvoker Create(WebSocketClientOptions options, int maxResponseHeadersKilobytes)
    {
        Uri? proxy = options.Proxy;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // Long-lived streams must not wait for a free one: past the server's stream limit, open another connection.
            EnableMultipleHttp2Connections = true,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = maxResponseHeadersKilobytes,
            UseProxy = proxy is not null || options.UseSystemProxy,
            Proxy = proxy is null ? null : new WebProxy(proxy) { Credentials = options.ProxyCredentials },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = options.CertificateValidation ?? WebSocketClient.TrustCallback(options.TrustedCertificate),
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
