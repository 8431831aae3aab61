using System.CommandLine;
using Ws101.Client;
using Ws101.Handshake;

namespace Ws101.Cli;

/// <summary>The options <c>connect</c> and <c>probe</c> share: subprotocols, headers, Origin, trust for wss://, and HTTP/2.</summary>
internal sealed class ClientArguments
{
    public Argument<string> Url { get; } = new("url") { Description = "The ws:// or wss:// URL to open." };
    public Option<string[]> Subprotocols { get; } = new("--subprotocol") { Description = "Offer this subprotocol (repeat for several, in order of preference).", AllowMultipleArgumentsPerToken = true };
    public Option<string[]> Headers { get; } = new("--header", "-H") { Description = "Send this header, as \"Name: value\" (repeat for several).", AllowMultipleArgumentsPerToken = true };
    public Option<string?> Origin { get; } = new("--origin") { Description = "Send this Origin, as a browser would." };
    public Option<bool> Insecure { get; } = new("--insecure", "-k") { Description = "For wss://, accept any certificate (testing only)." };
    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds allowed for connecting and for the handshake.", DefaultValueFactory = _ => 10 };
    public Option<bool> Http2 { get; } = new("--http2") { Description = "Open the WebSocket as an HTTP/2 stream (RFC 8441 extended CONNECT): TLS with ALPN h2 for wss://, h2c with prior knowledge for ws://." };

    private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) => true;

    /// <summary>Reads "Name: value" headers; throws <see cref="ArgumentException"/> for one without a name and a colon.</summary>
    public static List<KeyValuePair<string, string>> ParseHeaders(IEnumerable<string> lines)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var h in lines)
        {
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new ArgumentException($"A header is \"Name: value\"; '{h}' is not.");
            }
            headers.Add(new(h[..colon].Trim(), h[(colon + 1)..].Trim()));
        }
        return headers;
    }

    public void AddTo(Command command)
    {
        command.Add(Url);
        command.Add(Subprotocols);
        command.Add(Headers);
        command.Add(Origin);
        command.Add(Insecure);
        command.Add(Timeout);
        command.Add(Http2);
    }

    /// <summary>Reads the URL and options; throws <see cref="ArgumentException"/> with a message for the user when one is wrong.</summary>
    public (Uri Uri, WebSocketClientOptions Options) Read(ParseResult result)
    {
        string url = result.GetValue(Url)!;
        var uri = WebSocketUrl.Parse(url);
        var headers = ParseHeaders(result.GetValue(Headers) ?? []);
        double seconds = result.GetValue(Timeout);
        if (seconds <= 0)
        {
            throw new ArgumentException("--timeout must be positive.");
        }
        var options = new WebSocketClientOptions
        {
            Subprotocols = result.GetValue(Subprotocols) ?? [],
            Headers = headers,
            Origin = result.GetValue(Origin),
            HttpVersion = result.GetValue(Http2) ? WebSocketHttpVersion.Http2 : WebSocketHttpVersion.Http11,
            ConnectTimeout = TimeSpan.FromSeconds(seconds),
            HandshakeTimeout = TimeSpan.FromSeconds(seconds),
#pragma warning disable CA5359 // --insecure exists to accept any certificate; it is documented as testing only.
            CertificateValidation = result.GetValue(Insecure) ? AcceptAnyCertificate : null,
#pragma warning restore CA5359
        };
        return (uri, options);
    }
}
