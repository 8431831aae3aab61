using Ws101.Handshake;

namespace Ws101;

/// <summary>
/// A valid WebSocket upgrade request (RFC 6455 §4.2.1), as the server read it: everything an
/// application needs to decide whether to accept it, and everything the 101 response is built from.
/// </summary>
public sealed class UpgradeRequest
{
    internal UpgradeRequest(HttpRequestHead head, string host, string key, string? origin,
        IReadOnlyList<string> subprotocols, IReadOnlyList<WebSocketExtension> extensions)
    {
        Head = head;
        Host = host;
        Key = key;
        Origin = origin;
        Subprotocols = subprotocols;
        Extensions = extensions;
    }

    /// <summary>The parsed request head.</summary>
    internal HttpRequestHead Head { get; }

    /// <summary>The request target as sent, such as <c>/chat?room=1</c>.</summary>
    public string Target => Head.Target;

    /// <summary>The path of the target.</summary>
    public string Path => Head.Path;

    /// <summary>The query of the target without the <c>?</c>, or empty.</summary>
    public string Query => Head.Query;

    /// <summary>The Host header's value (over HTTP/2, the <c>:authority</c>).</summary>
    public string Host { get; }

    /// <summary>The Sec-WebSocket-Key, 24 base64 characters; empty for a request that came over HTTP/2, which has none (RFC 8441 §5).</summary>
    public string Key { get; }

    /// <summary>The WebSocket version: always 13 for an accepted request.</summary>
    public int Version => 13;

    /// <summary>The Origin header, sent by browsers; null when absent.</summary>
    public string? Origin { get; }

    /// <summary>The subprotocols the client offers, in its order of preference.</summary>
    public IReadOnlyList<string> Subprotocols { get; }

    /// <summary>The extensions the client offers, in its order of preference.</summary>
    internal IReadOnlyList<WebSocketExtension> Extensions { get; }

    /// <summary>Every header of the request (over HTTP/2, the pseudo-header fields first: <c>:method</c>, <c>:protocol</c>, …).</summary>
    public HttpHeaders Headers => Head.Headers;

    /// <summary>True when the request came over HTTP/2 as an RFC 8441 extended CONNECT.</summary>
    internal bool IsHttp2 => ExtendedConnect.IsHttp2(Head);
}
