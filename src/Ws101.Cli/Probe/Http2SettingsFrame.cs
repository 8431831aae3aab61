using System.Buffers.Binary;
using System.Globalization;

namespace Ws101.Cli.Probe;

/// <summary>
/// Just enough of HTTP/2's framing (RFC 9113 §4.1, §6.5) to read the one frame a server must send first: its SETTINGS.
/// <c>ws101 probe</c> shows them, because whether a server accepts WebSockets over HTTP/2 is said there and nowhere else
/// (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3). It is not an HTTP/2 stack: the WebSocket itself always goes through
/// the runtime's <see cref="System.Net.Http.SocketsHttpHandler"/>. Pure functions.
/// </summary>
internal static class Http2SettingsFrame
{
    /// <summary>RFC 9113 §4.1: every frame starts with a 9-octet header.</summary>
    public const int HeaderLength = 9;

    /// <summary>RFC 9113 §6.5: the SETTINGS frame type.</summary>
    public const byte SettingsType = 0x4;

    /// <summary>RFC 9113 §6.5: the flag of a SETTINGS frame that acknowledges the peer's.</summary>
    public const byte AckFlag = 0x1;

    /// <summary>RFC 8441 §3: the setting a server sends (value 1) to allow the extended CONNECT.</summary>
    public const ushort EnableConnectProtocol = 0x8;

    /// <summary>The largest SETTINGS payload read: RFC 9113 §4.2's initial SETTINGS_MAX_FRAME_SIZE.</summary>
    public const int MaxPayloadLength = 16_384;

    /// <summary>RFC 9113 §3.4: the client connection preface, then an empty SETTINGS frame (the preface's required part).</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\u0004\0\0\0\0\0"u8;

    /// <summary>
    /// Reads a frame header. False (with the reason) when it is not the SETTINGS frame a server's preface starts with
    /// (RFC 9113 §3.4: "The server connection preface consists of a potentially empty SETTINGS frame").
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out int payloadLength, out string? error)
    {
        payloadLength = 0;
        if (header.Length < HeaderLength)
        {
            error = $"the server sent {header.Length} bytes, not a 9-byte HTTP/2 frame header";
            return false;
        }
        int length = (header[0] << 16) | (header[1] << 8) | header[2];
        byte type = header[3];
        byte flags = header[4];
        int stream = BinaryPrimitives.ReadInt32BigEndian(header[5..9]) & 0x7FFF_FFFF;
        if (type != SettingsType || stream != 0 || (flags & AckFlag) != 0)
        {
            error = $"the first frame is not a SETTINGS frame on stream 0 (type 0x{type:x2}, flags 0x{flags:x2}, stream {stream})";
            return false;
        }
        // RFC 9113 §6.5: "A SETTINGS frame with a length other than a multiple of 6 octets MUST be treated as a connection error".
        if (length % 6 != 0 || length > MaxPayloadLength)
        {
            error = $"the SETTINGS frame's length {length} is not a multiple of 6 of at most {MaxPayloadLength}";
            return false;
        }
        payloadLength = length;
        error = null;
        return true;
    }

    /// <summary>The settings in a SETTINGS payload, in the order sent (RFC 9113 §6.5.1: a 16-bit identifier, a 32-bit value).</summary>
    public static List<KeyValuePair<ushort, uint>> ReadPayload(ReadOnlySpan<byte> payload)
    {
        var settings = new List<KeyValuePair<ushort, uint>>(payload.Length / 6);
        for (int i = 0; i + 6 <= payload.Length; i += 6)
        {
            settings.Add(new(BinaryPrimitives.ReadUInt16BigEndian(payload[i..]), BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..])));
        }
        return settings;
    }

    /// <summary>A setting's name as the RFCs spell it, or its identifier in hex when unknown (RFC 9113 §6.5.2: ignored).</summary>
    public static string Name(ushort identifier) => identifier switch
    {
        0x1 => "SETTINGS_HEADER_TABLE_SIZE",
        0x2 => "SETTINGS_ENABLE_PUSH",
        0x3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
        0x4 => "SETTINGS_INITIAL_WINDOW_SIZE",
        0x5 => "SETTINGS_MAX_FRAME_SIZE",
        0x6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
        EnableConnectProtocol => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        0x9 => "SETTINGS_NO_RFC7540_PRIORITIES",
        _ => "0x" + identifier.ToString("x4", CultureInfo.InvariantCulture),
    };

    /// <summary>True when the settings allow WebSockets over HTTP/2 (RFC 8441 §3: the value 1).</summary>
    public static bool AllowsExtendedConnect(IEnumerable<KeyValuePair<ushort, uint>> settings) =>
        settings.LastOrDefault(s => s.Key == EnableConnectProtocol).Value == 1;
}
