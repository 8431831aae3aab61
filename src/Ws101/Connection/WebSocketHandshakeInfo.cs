using Ws101.Handshake;

namespace Ws101;

/// <summary>What the opening handshake of a connection established, on either side.</summary>
public sealed class WebSocketHandshakeInfo
{
    internal WebSocketHandshakeInfo(string target, HttpHeaders requestHeaders, HttpHeaders? responseHeaders, string? subprotocol,
        IReadOnlyList<WebSocketExtension> extensions, string requestText, string responseText, UpgradeRequest? request = null)
    {
        Target = target;
        RequestHeaders = requestHeaders;
        ResponseHeaders = responseHeaders;
        Subprotocol = subprotocol;
        Extensions = extensions;
        RequestText = requestText;
        ResponseText = responseText;
        Request = request;
    }

    /// <summary>The request target: path and query.</summary>
    public string Target { get; }

    /// <summary>The path of the request target.</summary>
    public string Path => Target.Split('?', 2)[0];

    /// <summary>The query of the request target without the <c>?</c>, or empty.</summary>
    public string Query => Target.Contains('?', StringComparison.Ordinal) ? Target.Split('?', 2)[1] : "";

    /// <summary>The request's headers.</summary>
    public HttpHeaders RequestHeaders { get; }

    /// <summary>The 101 response's headers (on the client's side), or null (on the server's, where the server wrote them).</summary>
    public HttpHeaders? ResponseHeaders { get; }

    /// <summary>The agreed subprotocol, or null.</summary>
    public string? Subprotocol { get; }

    /// <summary>The agreed extensions.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions { get; }

    /// <summary>The request head as text.</summary>
    public string RequestText { get; }

    /// <summary>The 101 response head as text.</summary>
    public string ResponseText { get; }

    /// <summary>On the server's side: the validated upgrade request.</summary>
    public UpgradeRequest? Request { get; }
}
