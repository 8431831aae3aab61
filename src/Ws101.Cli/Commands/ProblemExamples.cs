using System.Security.Cryptography;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// A short captured handshake for each problem code that a transcript can show, for the troubleshooting reference.
/// A test runs every example through <see cref="HandshakeDiagnoser"/> and requires its code, so none can go stale.
/// </summary>
internal static class ProblemExamples
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private static string Request(string? replace = null, string? with = null, string extra = "")
    {
        string r = $"GET /chat HTTP/1.1\nHost: example.com\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: {Key}\nSec-WebSocket-Version: 13\n{extra}\n";
        return replace is null ? r : r.Replace(replace, with, StringComparison.Ordinal);
    }

    private static string Ok(string extra = "", string accept = Accept) =>
        Request() + $"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: {accept}\n{extra}\n";

    private static string Status(string statusAndHeaders) => Request() + statusAndHeaders + "\n";

    /// <summary>An RFC 8441 request (an extended CONNECT), in the header-block form of an HTTP/2 transcript, and a response.</summary>
    private static string Http2(string response) =>
        ":method: CONNECT\n:protocol: websocket\n:scheme: https\n:authority: example.com\n:path: /chat\nsec-websocket-version: 13\n\n" + response + "\n";

    /// <summary>The example transcript for a code, or null when the problem shows only on a live connection.</summary>
    public static string? For(HandshakeProblemCode code) => code switch
    {
        HandshakeProblemCode.MalformedRequestLine => Request("GET /chat HTTP/1.1", "GET /chat  HTTP/1.1"),
        HandshakeProblemCode.MalformedStatusLine => Request() + "HTTP/1.1 1O1 Switching Protocols\nUpgrade: websocket\n\n",
        HandshakeProblemCode.MalformedHeader => Request("Upgrade: websocket", "Upgrade : websocket"),
        HandshakeProblemCode.ObsoleteLineFolding => Request(extra: "Sec-WebSocket-Protocol: chat,\n superchat\n"),
        HandshakeProblemCode.MethodNotGet => Request("GET /chat", "POST /chat"),
        HandshakeProblemCode.HttpVersionTooOld => Request("HTTP/1.1", "HTTP/1.0"),
        HandshakeProblemCode.MissingHost => Request("Host: example.com\n", ""),
        HandshakeProblemCode.DuplicateHost => Request(extra: "Host: example.org\n"),
        HandshakeProblemCode.PlainHttpRequest => "GET /chat HTTP/1.1\nHost: example.com\nAccept: text/html\n\n",
        HandshakeProblemCode.MissingUpgrade => Request("Upgrade: websocket\n", ""),
        HandshakeProblemCode.UpgradeNotWebSocket => Request("Upgrade: websocket", "Upgrade: h2c"),
        HandshakeProblemCode.ConnectionNotUpgrade => Request("Connection: Upgrade", "Connection: keep-alive"),
        HandshakeProblemCode.MissingKey => Request($"Sec-WebSocket-Key: {Key}\n", ""),
        HandshakeProblemCode.DuplicateKey => Request(extra: "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\n"),
        HandshakeProblemCode.InvalidKey => Request(Key, "dGhlIHNhbXBsZSBub25jZQ"),
        HandshakeProblemCode.MissingVersion => Request("Sec-WebSocket-Version: 13\n", ""),
        HandshakeProblemCode.UnsupportedVersion => Request("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
        HandshakeProblemCode.InvalidSubprotocolHeader => Request(extra: "Sec-WebSocket-Protocol: chat, chat\n"),
        HandshakeProblemCode.InvalidExtensionHeader => Request(extra: "Sec-WebSocket-Extensions: permessage-deflate; =15\n"),
        HandshakeProblemCode.RequestHasBody => Request(extra: "Content-Length: 5\n"),
        HandshakeProblemCode.SuccessNotUpgrade => Status("HTTP/1.1 200 OK\nContent-Type: text/html\n\n<!DOCTYPE html><title>Home</title>"),
        HandshakeProblemCode.Redirect => Status("HTTP/1.1 301 Moved Permanently\nLocation: https://example.com/chat\n"),
        HandshakeProblemCode.Unauthorized => Status("HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer\n"),
        HandshakeProblemCode.Forbidden => Status("HTTP/1.1 403 Forbidden\n"),
        HandshakeProblemCode.NotFound => Status("HTTP/1.1 404 Not Found\n"),
        HandshakeProblemCode.UpgradeRequired => Status("HTTP/1.1 426 Upgrade Required\nSec-WebSocket-Version: 7, 8\n"),
        HandshakeProblemCode.UnexpectedStatus => Status("HTTP/1.1 502 Bad Gateway\n"),
        HandshakeProblemCode.MissingAccept => Request() + "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n",
        HandshakeProblemCode.DuplicateAccept => Ok($"Sec-WebSocket-Accept: {Accept}\n"),
        HandshakeProblemCode.AcceptMismatch => Ok(accept: Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(Key + WebSocketAccept.Guid)))),
        HandshakeProblemCode.UnrequestedSubprotocol => Ok("Sec-WebSocket-Protocol: chat\n"),
        HandshakeProblemCode.UnrequestedExtension => Ok("Sec-WebSocket-Extensions: permessage-deflate\n"),
        HandshakeProblemCode.InvalidExtensionResponse =>
            Request(extra: "Sec-WebSocket-Extensions: permessage-deflate\n")
            + $"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: {Accept}\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=20\n\n",
        HandshakeProblemCode.UpgradeHeadersInHttp2 => Http2($":status: 200\nsec-websocket-accept: {Accept}\n"),
        HandshakeProblemCode.ConnectResponseHasContent =>
            Http2(":status: 200\ncontent-type: text/html; charset=utf-8\ncontent-length: 34\n\n<!DOCTYPE html><title>Home</title>"),
        _ => null,
    };

    /// <summary>Where a problem without a transcript example shows up instead.</summary>
    public static string SeenBy(HandshakeProblemCode code) => code switch
    {
        HandshakeProblemCode.LineTooLong or HandshakeProblemCode.TooManyHeaders or HandshakeProblemCode.HeadTooLarge =>
            "a head beyond the parser's limits (HttpParseLimits); the server answers 414 or 431",
        HandshakeProblemCode.RejectedByApplication => "the server's log, when a route's OnUpgrade refuses a valid request",
        HandshakeProblemCode.TruncatedHead => "`ws101 probe` against a server that closes the connection in the middle of its response",
        HandshakeProblemCode.ConnectionFailed => "`ws101 probe ws://127.0.0.1:1/` (nothing listens there)",
        HandshakeProblemCode.TlsFailed => "`ws101 probe wss://...` against an untrusted certificate, or a plain ws:// port",
        HandshakeProblemCode.HandshakeTimeout => "`ws101 probe --timeout 1 ws://...` against a server that never answers",
        HandshakeProblemCode.ProxyFailed => "a client with `WebSocketClientOptions.Proxy` whose proxy refuses CONNECT or wants credentials",
        HandshakeProblemCode.ProtocolViolation => "`ws101 probe` against a server that breaks the framing rules after its 101 (it prints the close code, the rule and the frame, and exits 1)",
        HandshakeProblemCode.ExtendedConnectNotSupported =>
            "`ws101 probe --http2 wss://...` against a server that speaks HTTP/2 without SETTINGS_ENABLE_CONNECT_PROTOCOL (the probe prints the SETTINGS it received), or a client with `HttpVersion = Http2`",
        HandshakeProblemCode.Http2NotNegotiated =>
            "`ws101 probe --http2 wss://...` against a server whose ALPN offers only http/1.1 (plain `ws101 probe wss://...` says which versions it offers), or `--http2 ws://...` to a port without h2c",
        _ => "a live connection",
    };
}
