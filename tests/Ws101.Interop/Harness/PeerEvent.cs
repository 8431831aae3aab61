using System.Text.Json;

namespace Ws101.Interop.Harness;

/// <summary>One JSON line that a peer reported (see <see cref="PeerEventKind"/> for the kinds and their fields).</summary>
public sealed class PeerEvent
{
    /// <summary>Wraps an already parsed event object.</summary>
    public PeerEvent(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("event", out JsonElement kind) || kind.ValueKind != JsonValueKind.String)
        {
            throw new ArgumentException($"not a peer event (an object with a string \"event\"): {json.GetRawText()}", nameof(json));
        }
        Json = json.Clone();
        Kind = kind.GetString()!;
    }

    /// <summary>The whole event as JSON.</summary>
    public JsonElement Json { get; }

    /// <summary>The <c>event</c> field: one of <see cref="PeerEventKind"/>.</summary>
    public string Kind { get; }

    /// <summary>On a server, which connection (1, 2, …) the event belongs to; null on a client.</summary>
    public int? Connection => Int("conn");

    /// <summary>"text" or "binary" for message and sent events.</summary>
    public string? Type => Str("type");

    /// <summary>The payload length in bytes (UTF-8 bytes for text).</summary>
    public long? Length => Json.TryGetProperty("length", out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    /// <summary>The lower-case hex SHA-256 of the payload.</summary>
    public string? Sha256 => Str("sha256");

    /// <summary>The text of a short (≤ 1 KiB) text message.</summary>
    public string? Text => Str("text");

    /// <summary>The close code of a close event.</summary>
    public int? Code => Int("code");

    /// <summary>The close reason of a close event.</summary>
    public string? Reason => Str("reason");

    /// <summary>The description of an error event.</summary>
    public string? Message => Str("message");

    /// <summary>The negotiated subprotocol of an open event ("" when none).</summary>
    public string? Protocol => Str("protocol");

    /// <summary>The negotiated extensions of an open event ("" when none).</summary>
    public string? Extensions => Str("extensions");

    /// <summary>The HTTP version that carried a server's open event ("HTTP/1.1", or "HTTP/2" for an RFC 8441 WebSocket).</summary>
    public string? Http => Str("http");

    /// <summary>The server's id for the TCP connection that carried an open event (several HTTP/2 streams share one).</summary>
    public string? HttpConnection => Str("httpConnection");

    /// <summary>The request path of a server's open event.</summary>
    public string? Path => Str("path");

    /// <summary>The port of a listening event.</summary>
    public int? Port => Int("port");

    /// <summary>The URL of a listening event.</summary>
    public string? Url => Str("url");

    /// <summary>How many frames a sent message was split into.</summary>
    public int? Fragments => Int("fragments");

    /// <summary>A request header of a server's open event, by lower-case name; null when absent.</summary>
    public string? Header(string lowerCaseName) =>
        Json.TryGetProperty("headers", out JsonElement headers) && headers.ValueKind == JsonValueKind.Object
        && headers.TryGetProperty(lowerCaseName, out JsonElement v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    /// <summary>Parses one JSON line, or returns null when the line is not a peer event (a stray print, say).</summary>
    public static PeerEvent? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.TrimStart()[0] != '{')
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            return root.TryGetProperty("event", out JsonElement kind) && kind.ValueKind == JsonValueKind.String
                ? new PeerEvent(root)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Builds an event from field values (used by the in-process fixtures).</summary>
    public static PeerEvent Create(string kind, IReadOnlyDictionary<string, object?>? fields = null)
    {
        var all = new Dictionary<string, object?> { ["event"] = kind };
        if (fields is not null)
        {
            foreach (KeyValuePair<string, object?> field in fields)
            {
                all[field.Key] = field.Value;
            }
        }
        return new PeerEvent(JsonSerializer.SerializeToElement(all));
    }

    /// <summary>The event as its JSON line.</summary>
    public override string ToString() => Json.GetRawText();

    private string? Str(string name) =>
        Json.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private int? Int(string name) =>
        Json.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}
