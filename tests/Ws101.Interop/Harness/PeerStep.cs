using System.Text.Json.Serialization;

namespace Ws101.Interop.Harness;

/// <summary>
/// One step of a peer's script, serialized as the JSON object the peer scripts read
/// (docs/testing.md, "Steps"). Build steps through <see cref="PeerScript"/>'s methods.
/// </summary>
public sealed record PeerStep
{
    /// <summary>send, receive, ping, close, wait_close, sleep or terminate.</summary>
    [JsonPropertyName("op")]
    public required string Op { get; init; }

    /// <summary>For send: "text" or "binary".</summary>
    [JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }

    /// <summary>For send and ping: the size of the generated <see cref="Payload"/>.</summary>
    [JsonPropertyName("size"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Size { get; init; }

    /// <summary>For send and ping: an explicit text payload instead of a generated one.</summary>
    [JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    /// <summary>For send and ping: an explicit binary payload, base64.</summary>
    [JsonPropertyName("base64"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Base64 { get; init; }

    /// <summary>For send: how many frames to split the message into (1 = unfragmented).</summary>
    [JsonPropertyName("fragments"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Fragments { get; init; }

    /// <summary>For receive: how many messages to wait for.</summary>
    [JsonPropertyName("count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Count { get; init; }

    /// <summary>For close: the status code; null sends a close frame without a status.</summary>
    [JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Code { get; init; }

    /// <summary>For close: the reason.</summary>
    [JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>For sleep: milliseconds.</summary>
    [JsonPropertyName("ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Milliseconds { get; init; }

    /// <summary>This step's own bound in milliseconds, instead of the script's step timeout.</summary>
    [JsonPropertyName("timeoutMs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TimeoutMs { get; init; }
}
