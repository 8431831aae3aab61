using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// The header names of an upgrade, kept as shared strings so that parsing a typical handshake
/// does not allocate a new string for each name.
/// </summary>
internal static class KnownHeaderNames
{
    public const string Host = "Host";
    public const string Upgrade = "Upgrade";
    public const string Connection = "Connection";
    public const string SecWebSocketKey = "Sec-WebSocket-Key";
    public const string SecWebSocketVersion = "Sec-WebSocket-Version";
    public const string SecWebSocketAccept = "Sec-WebSocket-Accept";
    public const string SecWebSocketProtocol = "Sec-WebSocket-Protocol";
    public const string SecWebSocketExtensions = "Sec-WebSocket-Extensions";
    public const string Origin = "Origin";
    public const string ContentLength = "Content-Length";
    public const string TransferEncoding = "Transfer-Encoding";
    public const string Location = "Location";
    public const string ContentType = "Content-Type";

    private static readonly string[] Names =
    [
        Host, Upgrade, Connection, SecWebSocketKey, SecWebSocketVersion, SecWebSocketAccept, SecWebSocketProtocol,
        SecWebSocketExtensions, Origin, ContentLength, TransferEncoding, Location, ContentType,
        "User-Agent", "Pragma", "Cache-Control", "Accept-Encoding", "Accept-Language", "Cookie", "Date", "Server",
        "Accept", "Authorization", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site",
    ];

    /// <summary>The shared string when the bytes spell a known name exactly, else a new string.</summary>
    public static string Get(ReadOnlySpan<byte> name)
    {
        foreach (var known in Names)
        {
            if (known.Length == name.Length && Ascii.Equals(name, known))
            {
                return known;
            }
        }
        return Encoding.Latin1.GetString(name);
    }
}
