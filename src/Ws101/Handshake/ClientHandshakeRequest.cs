using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// A client's upgrade request (RFC 6455 §4.1) for a ws:// or wss:// URL, with its fresh key and the
/// accept value the server must answer with.
/// </summary>
internal sealed class ClientHandshakeRequest
{
    private static readonly string[] ReservedRequestHeaders =
        ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Origin", "Content-Length", "Transfer-Encoding"];

    private ClientHandshakeRequest(Uri uri, string hostHeader, string target, string text, HandshakeOffer offer)
    {
        Uri = uri;
        HostHeader = hostHeader;
        Target = target;
        Text = text;
        Offer = offer;
        ExpectedAccept = WebSocketAccept.Compute(offer.Key!);
    }

    /// <summary>The URL being opened.</summary>
    public Uri Uri { get; }

    /// <summary>True for wss://.</summary>
    public bool IsSecure => Uri.Scheme == "wss";

    /// <summary>The Host header's value: the host, and the port only when it is not the scheme's default.</summary>
    public string HostHeader { get; }

    /// <summary>The request target: path and query.</summary>
    public string Target { get; }

    /// <summary>The key sent.</summary>
    public string Key => Offer.Key!;

    /// <summary>The Sec-WebSocket-Accept value the server must send back.</summary>
    public string ExpectedAccept { get; }

    /// <summary>What this request offers; the response is checked against it.</summary>
    public HandshakeOffer Offer { get; }

    /// <summary>The whole request head as text, ending with the empty line.</summary>
    public string Text { get; }

    /// <summary>The request as bytes to write.</summary>
    public byte[] ToBytes() => Encoding.Latin1.GetBytes(Text);

    /// <summary>Builds the request for <paramref name="uri"/>.</summary>
    /// <exception cref="ArgumentException">The URL is not ws:// or wss://, has a fragment, or an option is invalid.</exception>
    public static ClientHandshakeRequest Create(Uri uri, ClientHandshakeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= new ClientHandshakeOptions();
        // RFC 6455 §3: the scheme is ws or wss, the URL is absolute, and fragment identifiers MUST NOT be used.
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException($"A WebSocket URL starts with ws:// or wss://; '{uri}' does not.", nameof(uri));
        }
        if (uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"A WebSocket URL must not have a fragment ('{uri.Fragment}'), RFC 6455 §3.", nameof(uri));
        }
        string key = options.Key ?? WebSocketAccept.GenerateKey();
        if (options.Key is not null && WebSocketKeyRules.Check(options.Key) is { } bad)
        {
            throw new ArgumentException($"The fixed key is not valid: {bad}.", nameof(options));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in options.Subprotocols)
        {
            if (!HttpTokenList.IsToken(p) || !seen.Add(p))
            {
                throw new ArgumentException($"Subprotocol '{p}' is not a token, or is offered twice (RFC 6455 §4.1 item 10).", nameof(options));
            }
        }
        string host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.DnsSafeHost}]" : uri.IdnHost;
        // An IPv6 literal (the host name type says so) is written without its zone (RFC 9110 §7.2 has no place for one).
        if (uri.HostNameType == UriHostNameType.IPv6 && System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip))
        {
            host = $"[{ip.ToString().Split('%')[0]}]";
        }
        // RFC 6455 §4.1 item 4: the port is included when it is not the default (80 for ws, 443 for wss).
        string hostHeader = uri.IsDefaultPort ? host : $"{host}:{uri.Port}";
        string target = string.IsNullOrEmpty(uri.PathAndQuery) ? "/" : uri.PathAndQuery;

        var sb = new StringBuilder(256);
        sb.Append("GET ").Append(target).Append(" HTTP/1.1\r\n");
        sb.Append("Host: ").Append(hostHeader).Append("\r\n");
        sb.Append("Upgrade: websocket\r\n");
        sb.Append("Connection: Upgrade\r\n");
        sb.Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
        sb.Append("Sec-WebSocket-Version: 13\r\n");
        if (options.Origin is not null)
        {
            CheckValue("Origin", options.Origin);
            sb.Append("Origin: ").Append(options.Origin).Append("\r\n");
        }
        if (options.Subprotocols.Count > 0)
        {
            sb.Append("Sec-WebSocket-Protocol: ").Append(string.Join(", ", options.Subprotocols)).Append("\r\n");
        }
        if (options.Extensions.Count > 0)
        {
            sb.Append("Sec-WebSocket-Extensions: ").Append(WebSocketExtension.Format(options.Extensions)).Append("\r\n");
        }
        foreach (var (name, value) in options.Headers)
        {
            if (!HttpTokenList.IsToken(name))
            {
                throw new ArgumentException($"'{name}' is not a valid header name.", nameof(options));
            }
            if (ReservedRequestHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Header '{name}' is set by the handshake itself; use the matching option instead.", nameof(options));
            }
            CheckValue(name, value);
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        sb.Append("\r\n");
        var offer = new HandshakeOffer(key, options.Subprotocols, options.Extensions, options.Origin) { Version = ServerHandshake.SupportedVersion };
        return new ClientHandshakeRequest(uri, hostHeader, target, sb.ToString(), offer);
    }

    private static void CheckValue(string name, string value)
    {
        // RFC 9110 §5.5: a value holds no CR, LF, NUL or other control character; a line break would inject a header.
        if (HttpTokenList.IndexOfInvalidValueChar(value) >= 0)
        {
            throw new ArgumentException($"The value of header '{name}' holds a line break or another control character, which could inject another header.", nameof(value));
        }
    }
}
