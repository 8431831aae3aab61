using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ws101.PubSub;

/// <summary>Frames the JSON of positioned subscriptions (<see cref="PositionedMessage"/>), each once for every subscriber.</summary>
internal static class PositionedFrames
{
    // Valid JSON for any parser; non-ASCII text stays as it is rather than \u-escaped (the frame is text, never HTML).
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static PreparedMessage Message(string position, WebSocketMessageKind kind, ReadOnlySpan<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(payload.Length + position.Length + 32);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("position", position);
            if (kind == WebSocketMessageKind.Text)
            {
                writer.WriteString("data", payload);
            }
            else
            {
                writer.WriteBase64String("base64", payload);
            }
            writer.WriteEndObject();
        }
        return PreparedMessage.Create(buffer.WrittenSpan, WebSocketMessageKind.Text);
    }

    public static PreparedMessage Recovered(int missed) =>
        PreparedMessage.CreateText(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"recovered\":true,\"missed\":{missed}}}"));

    public static PreparedMessage NotRecovered() => PreparedMessage.CreateText("{\"recovered\":false}");
}
