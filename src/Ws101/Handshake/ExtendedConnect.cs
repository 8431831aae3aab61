namespace Ws101.Handshake;

/// <summary>
/// RFC 8441, bootstrapping WebSockets with HTTP/2: the extended CONNECT that replaces the HTTP/1.1 upgrade. The HTTP/2
/// engine (Kestrel serving, SocketsHttpHandler connecting) carries the frames; what is left to the handshake is the
/// request's and the response's fields, which this type names and builds. A pure type: no I/O.
/// </summary>
/// <remarks>
/// An HTTP/2 head is kept as an <see cref="HttpRequestHead"/> or <see cref="HttpResponseHead"/> whose fields start with
/// the pseudo-header fields (<c>:method</c>, <c>:protocol</c>, <c>:scheme</c>, <c>:authority</c>, <c>:path</c>, or
/// <c>:status</c>), as RFC 9113 §8.3 orders them. The HTTP/1.1 parser can never produce such a field (a colon is not a
/// token character), so their presence is what marks a head as HTTP/2.
/// </remarks>
internal static class ExtendedConnect
{
    /// <summary>The method of every extended CONNECT (RFC 8441 §4).</summary>
    public const string Method = "CONNECT";

    /// <summary>The value of <c>:protocol</c> that asks for a WebSocket (RFC 8441 §5).</summary>
    public const string WebSocketProtocol = "websocket";

    /// <summary>The SETTINGS parameter a server sends with the value 1 to allow extended CONNECT (RFC 8441 §3): 0x8.</summary>
    public const ushort SettingsEnableConnectProtocol = 0x8;

    public const string MethodField = ":method";
    public const string ProtocolField = ":protocol";
    public const string SchemeField = ":scheme";
    public const string AuthorityField = ":authority";
    public const string PathField = ":path";
    public const string StatusField = ":status";

    /// <summary>HTTP/2.</summary>
    public static Version Http2 { get; } = new(2, 0);

    /// <summary>The HTTP/1.1 fields of a WebSocket upgrade that an RFC 8441 handshake does not carry (RFC 8441 §5, RFC 9113 §8.2.2).</summary>
    public static IReadOnlyList<string> Http1UpgradeFields { get; } =
        [KnownHeaderNames.SecWebSocketAccept, KnownHeaderNames.Upgrade, KnownHeaderNames.Connection];

    /// <summary>True when the head was built from HTTP/2 pseudo-header fields (see the remarks on the type).</summary>
    public static bool IsHttp2(HttpRequestHead head) => StartsWithPseudoField(head.Headers);

    /// <summary>True when the head was built from HTTP/2 pseudo-header fields (a <c>:status</c>).</summary>
    public static bool IsHttp2(HttpResponseHead head) => StartsWithPseudoField(head.Headers);

    private static bool StartsWithPseudoField(HttpHeaders headers) => headers.Count > 0 && headers[0].Key.StartsWith(':');

    /// <summary>
    /// The head of an HTTP/2 request as another engine parsed it (Kestrel's request, a transcript's fields): the
    /// pseudo-header fields first, in RFC 9113 §8.3.1's order, then the regular fields as given. A Host field equal to
    /// :authority is left out: Kestrel presents :authority as Host, and RFC 9113 §8.3.1 says the two are the same.
    /// </summary>
    /// <param name="method">The <c>:method</c>, CONNECT for an extended CONNECT.</param>
    /// <param name="protocol">The <c>:protocol</c>, or null when the request has none.</param>
    /// <param name="scheme">The <c>:scheme</c>, or null.</param>
    /// <param name="authority">The <c>:authority</c>, or null.</param>
    /// <param name="path">The <c>:path</c> (path and query), or null when the request has none.</param>
    /// <param name="headers">The regular fields, in order.</param>
    /// <exception cref="ArgumentException">The method is not a token, or the path holds spaces or control characters.</exception>
    public static HttpRequestHead CreateRequestHead(string method, string? protocol, string? scheme, string? authority, string? path,
        IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var fields = new List<HttpHeaderField>(12) { new(MethodField, method, 1) };
        Add(fields, ProtocolField, protocol);
        Add(fields, SchemeField, scheme);
        Add(fields, AuthorityField, authority);
        Add(fields, PathField, path);
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith(':'))
            {
                continue;
            }
            if (authority is not null && string.Equals(name, KnownHeaderNames.Host, StringComparison.OrdinalIgnoreCase)
                && string.Equals(value, authority, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            fields.Add(new HttpHeaderField(name, value, fields.Count + 1));
        }
        return HttpRequestHead.Create(method, string.IsNullOrEmpty(path) ? "/" : path, Http2, fields);
    }

    private static void Add(List<HttpHeaderField> fields, string name, string? value)
    {
        if (value is not null)
        {
            fields.Add(new HttpHeaderField(name, value, fields.Count + 1));
        }
    }

    /// <summary>The fields of an HTTP/2 request that was sent (our client's extended CONNECT), for its transcript.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> RequestFields(Uri httpUri, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(httpUri);
        // RFC 8441 §5: "The scheme of the target URI MUST be https for wss-schemed WebSockets and http for ws-schemed WebSockets."
        var fields = new List<KeyValuePair<string, string>>
        {
            new(MethodField, Method),
            new(ProtocolField, WebSocketProtocol),
            new(SchemeField, httpUri.Scheme),
            new(AuthorityField, httpUri.IsDefaultPort ? Bracketed(httpUri) : $"{Bracketed(httpUri)}:{httpUri.Port}"),
            new(PathField, string.IsNullOrEmpty(httpUri.PathAndQuery) ? "/" : httpUri.PathAndQuery),
        };
        // RFC 9113 §8.2.1: field names are sent in lower case over HTTP/2; the transcript shows them as sent.
        fields.AddRange(headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)));
        return fields;
    }

    /// <summary>
    /// The regular fields of a client's extended CONNECT (RFC 8441 §5): Sec-WebSocket-Version, Origin, Sec-WebSocket-Protocol
    /// and Sec-WebSocket-Extensions "in the same way as defined in [RFC6455]", then the application's own; no Host (the
    /// :authority says it), Upgrade, Connection or Sec-WebSocket-Key.
    /// </summary>
    public static List<KeyValuePair<string, string>> ClientRequestHeaders(HandshakeOffer offer, IEnumerable<KeyValuePair<string, string>> extraHeaders)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(extraHeaders);
        var headers = new List<KeyValuePair<string, string>> { new(KnownHeaderNames.SecWebSocketVersion, ServerHandshake.SupportedVersion) };
        if (offer.Origin is not null)
        {
            headers.Add(new(KnownHeaderNames.Origin, offer.Origin));
        }
        if (offer.Subprotocols.Count > 0)
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketProtocol, string.Join(", ", offer.Subprotocols)));
        }
        if (offer.Extensions.Count > 0)
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketExtensions, WebSocketExtension.Format(offer.Extensions)));
        }
        headers.AddRange(extraHeaders);
        return headers;
    }

    private static string Bracketed(Uri uri) => uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost.Trim('[', ']')}]" : uri.IdnHost;

    /// <summary>
    /// The head of an HTTP/2 response as the engine handed it over: <c>:status</c> first, then the fields in order.
    /// </summary>
    public static HttpResponseHead CreateResponseHead(int status, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var fields = new List<HttpHeaderField>(8) { new(StatusField, status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1) };
        foreach (var (name, value) in headers)
        {
            if (!name.StartsWith(':'))
            {
                fields.Add(new HttpHeaderField(name, value, fields.Count + 1));
            }
        }
        return HttpResponseHead.CreateHttp2(status, new HttpHeaders(fields));
    }

    /// <summary>
    /// The fields of the 200 that accepts an extended CONNECT (RFC 8441 §5): Sec-WebSocket-Protocol and
    /// Sec-WebSocket-Extensions when agreed, then the application's extra fields; no Upgrade, Connection or
    /// Sec-WebSocket-Accept. Names are as given: the HTTP/2 engine lower-cases them on the wire.
    /// </summary>
    public static List<KeyValuePair<string, string>> AcceptResponseHeaders(string? subprotocol, IReadOnlyList<WebSocketExtension>? extensions)
    {
        var headers = new List<KeyValuePair<string, string>>(2);
        if (subprotocol is not null)
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketProtocol, subprotocol));
        }
        if (extensions is { Count: > 0 })
        {
            headers.Add(new(KnownHeaderNames.SecWebSocketExtensions, WebSocketExtension.Format(extensions)));
        }
        return headers;
    }

    /// <summary>The 200's head as text, in the form of <see cref="Http2HeaderBlock"/>: <c>:status: 200</c>, then the fields.</summary>
    public static string FormatAcceptResponse(IReadOnlyList<KeyValuePair<string, string>> headers) =>
        Http2HeaderBlock.Format([new(StatusField, "200"), .. headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value))]);
}
