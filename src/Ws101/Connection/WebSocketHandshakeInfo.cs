using System.Text;
using Ws101.Handshake;

namespace Ws101;

/// <summary>What the opening handshake of a connection established, on either side.</summary>
/// <remarks>
/// On the server's side the request and response texts are rebuilt on demand from the parsed request rather
/// than kept: a connection that never asks for them does not pay for them.
/// </remarks>
public sealed class WebSocketHandshakeInfo
{
    // The server's side: the request (null once let go, see ReleaseRequest) and the application's extra response headers.
    private UpgradeRequest? _request;
    private IReadOnlyList<KeyValuePair<string, string>> _extraResponseHeaders = [];
    // The client's side, in one object, so that the server's many connections do not carry its four empty fields.
    private readonly ClientView? _client;

    private sealed record ClientView(HttpHeaders RequestHeaders, HttpHeaders ResponseHeaders, string RequestText, string ResponseText);

    /// <summary>The server's view: the accepted request, and what the 101 agreed to.</summary>
    internal WebSocketHandshakeInfo(UpgradeRequest request, string? subprotocol, IReadOnlyList<KeyValuePair<string, string>> extraResponseHeaders,
        IReadOnlyList<WebSocketExtension>? extensions = null)
    {
        _request = request;
        HttpVersion = request.Head.Version;
        Target = request.Target;
        Subprotocol = subprotocol;
        Extensions = extensions ?? [];
        _extraResponseHeaders = extraResponseHeaders;
    }

    /// <summary>The client's view: the request sent and the 101 received.</summary>
    internal WebSocketHandshakeInfo(string target, HttpHeaders requestHeaders, HttpHeaders responseHeaders, string? subprotocol,
        IReadOnlyList<WebSocketExtension> extensions, string requestText, string responseText, Version? httpVersion = null)
    {
        HttpVersion = httpVersion ?? Http11;
        Target = target;
        _client = new ClientView(requestHeaders, responseHeaders, requestText, responseText);
        Subprotocol = subprotocol;
        Extensions = extensions;
    }

    private static readonly Version Http11 = new(1, 1);

    /// <summary>
    /// The HTTP version that carried the opening handshake: 1.1 for an HTTP/1.1 upgrade (RFC 6455 §4), 2.0 for an
    /// extended CONNECT on an HTTP/2 stream (RFC 8441). Everything after the handshake is the same either way.
    /// </summary>
    public Version HttpVersion { get; }

    /// <summary>The request target: path and query.</summary>
    public string Target { get; private set; }

    /// <summary>
    /// Takes <paramref name="same"/> (the path of the route that matched) as the target when the two are equal, so that
    /// the connections to a route share one string rather than each keeping the one parsed from its request.
    /// </summary>
    internal void ShareTarget(string same)
    {
        if (string.Equals(Target, same, StringComparison.Ordinal))
        {
            Target = same;
        }
    }

    /// <summary>The path of the request target.</summary>
    public string Path => _request?.Path ?? (Target.IndexOf('?', StringComparison.Ordinal) is int q and >= 0 ? Target[..q] : Target);

    /// <summary>The query of the request target without the <c>?</c>, or empty.</summary>
    public string Query => _request?.Query ?? (Target.IndexOf('?', StringComparison.Ordinal) is int q and >= 0 ? Target[(q + 1)..] : "");

    /// <summary>The request's headers.</summary>
    /// <exception cref="InvalidOperationException">
    /// On a route served by a <see cref="WebSocketMessageHandler"/>, after its <see cref="WebSocketMessageHandler.OnOpenAsync"/>
    /// returned: such a connection keeps no request head (read what you need there, or in the route's <c>OnUpgrade</c>).
    /// </exception>
    public HttpHeaders RequestHeaders => _request?.Headers ?? _client?.RequestHeaders ?? throw Released();

    /// <summary>The 101 response's headers (on the client's side), or null (on the server's, where the server wrote them).</summary>
    public HttpHeaders? ResponseHeaders => _client?.ResponseHeaders;

    /// <summary>The agreed subprotocol, or null.</summary>
    public string? Subprotocol { get; }

    /// <summary>The agreed extensions.</summary>
    internal IReadOnlyList<WebSocketExtension> Extensions { get; }

    /// <summary>On the server's side: the validated upgrade request.</summary>
    /// <exception cref="InvalidOperationException">As <see cref="RequestHeaders"/>: after a message handler's open.</exception>
    public UpgradeRequest? Request => _request ?? (_client is null ? throw Released() : null);

    /// <summary>
    /// The request head as text (on the server's side, rebuilt from the parsed request: whitespace around values is
    /// normalised). Over HTTP/2 it is the header block, pseudo-header fields first (<c>:method: CONNECT</c>, …).
    /// </summary>
    public string RequestText => _client?.RequestText ?? BuildRequestText(Request!.Head);

    /// <summary>The 101 response head as text (over HTTP/2, the 200's <c>:status</c> and fields).</summary>
    public string ResponseText => _client?.ResponseText ?? ServerHandshake.BuildAcceptResponse(Request!, Subprotocol, Extensions, _extraResponseHeaders);

    /// <summary>
    /// Lets go of the request head (a message handler's connection, once it is open): what stays is what the connection itself
    /// needs, the target, the version, the subprotocol and the extensions.
    /// </summary>
    internal void ReleaseRequest()
    {
        if (_request is null)
        {
            return;
        }
        _request = null;
        _extraResponseHeaders = [];
    }

    private static InvalidOperationException Released() => new(
        "This connection's request head was let go when its WebSocketMessageHandler.OnOpenAsync returned: a message handler's " +
        "connection keeps none, so that an idle connection costs little. Read the headers in OnOpenAsync (or the route's OnUpgrade) and keep what you need.");

    private static string BuildRequestText(HttpRequestHead head)
    {
        var sb = new StringBuilder(head.RequestLine.Length + (head.Headers.Count * 32));
        if (!ExtendedConnect.IsHttp2(head))
        {
            // HTTP/2 has no request line: its pseudo-header fields, the first fields here, say the same.
            sb.Append(head.RequestLine).Append("\r\n");
        }
        foreach (var (name, value) in head.Headers)
        {
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        return sb.Append("\r\n").ToString();
    }
}
