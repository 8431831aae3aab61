using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Ws101;

/// <summary>
/// A frame of a positioned subscription (<see cref="TopicSubscribeOptions.Positions"/>), as a client reads it. Each is a
/// text frame holding one JSON object:
/// <code>
/// {"position": "1718000000000-0", "data": "the message text"}     a text message
/// {"position": "1718000000000-1", "base64": "AAEC"}              a binary message
/// {"recovered": true, "missed": 3}                               first, when resuming: 3 missed messages follow
/// {"recovered": false}                                           first, when resuming: the history no longer reaches back
/// </code>
/// A position is opaque: keep the last one seen and give it back as <see cref="TopicSubscribeOptions.Since"/> (in
/// <c>ws101 serve</c>, <c>?positions=1&amp;since=POSITION</c>) to resume after a disconnection.
/// </summary>
/// <param name="Position">The message's position; null on the first frame of a resume (<paramref name="Recovered"/> is set instead).</param>
/// <param name="Text">A text message's text.</param>
/// <param name="Binary">A binary message's bytes.</param>
/// <param name="Recovered">
/// Null on a message. On the first frame of a resume: true when the messages missed since the position follow (then the
/// live ones), false when the history no longer reaches back that far: live messages follow, and the application should resync.
/// </param>
/// <param name="Missed">How many missed messages follow (when <paramref name="Recovered"/> is true).</param>
public sealed record PositionedMessage(string? Position, string? Text, byte[]? Binary, bool? Recovered, int Missed)
{
    /// <summary>Reads a received message; false when it is not one of the four (not text, not JSON, other fields).</summary>
    public static bool TryRead(WebSocketMessage message, [NotNullWhen(true)] out PositionedMessage? result)
    {
        result = null;
        return message.Kind == WebSocketMessageKind.Text && TryRead(message.Data.Span, out result);
    }

    /// <summary>Reads the UTF-8 JSON of a frame; false when it is not one of the four.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out PositionedMessage? result)
    {
        result = null;
        string? position = null, text = null;
        byte[]? binary = null;
        bool? recovered = null;
        int missed = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    return false;
                }
                switch (name)
                {
                    case "position" when reader.TokenType == JsonTokenType.String:
                        position = reader.GetString();
                        break;
                    case "data" when reader.TokenType == JsonTokenType.String:
                        text = reader.GetString();
                        break;
                    case "base64" when reader.TokenType == JsonTokenType.String:
                        binary = reader.GetBytesFromBase64();
                        break;
                    case "recovered" when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                        recovered = reader.GetBoolean();
                        break;
                    case "missed" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n) && n >= 0:
                        missed = n;
                        break;
                    default:
                        return false;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
        if (position is not null && recovered is null && (text is null) != (binary is null))
        {
            result = new PositionedMessage(position, text, binary, null, 0);
        }
        else if (recovered is true && position is null && text is null && binary is null)
        {
            result = new PositionedMessage(null, null, null, true, missed);
        }
        else if (recovered is false && position is null && text is null && binary is null && missed == 0)
        {
            result = new PositionedMessage(null, null, null, false, 0);
        }
        return result is not null;
    }
}
