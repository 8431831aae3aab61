using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

/// <summary>An event as a test compares it: streamed fragments are joined into the message they form.</summary>
internal sealed record Seen(ProtocolEventKind Kind, string Payload, WebSocketMessageKind Type = default, int Code = 0, string? Reason = null)
{
    public static Seen Message(WebSocketMessageKind type, byte[] payload) => new(ProtocolEventKind.Message, Convert.ToHexString(payload), type);
    public static Seen Text(string text) => Message(WebSocketMessageKind.Text, Wire.Utf8(text));
    public static Seen Binary(byte[] payload) => Message(WebSocketMessageKind.Binary, payload);
    public static Seen Ping(byte[] payload) => new(ProtocolEventKind.Ping, Convert.ToHexString(payload));
    public static Seen Pong(byte[] payload) => new(ProtocolEventKind.Pong, Convert.ToHexString(payload));
    public static Seen Close(CloseCode code, string reason = "") =>
        new(ProtocolEventKind.Close, Convert.ToHexString(Wire.Utf8(reason)), Code: (int)code, Reason: reason);
    public static Seen Error(CloseCode code) => new(ProtocolEventKind.Error, "", Code: (int)code);
}
