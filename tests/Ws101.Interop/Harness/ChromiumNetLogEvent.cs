using System.Text.Json;

namespace Ws101.Interop.Harness;

/// <summary>
/// One event of a Chromium NetLog, with its numeric type, source type and phase already named through the log's own
/// <c>constants</c> table (the numbers change between Chromium versions; the names do not).
/// </summary>
/// <param name="Type">The event type, for example <c>HTTP2_SESSION_SEND_HEADERS</c>.</param>
/// <param name="SourceId">The id of the source that logged it (a URL request, an HTTP/2 session, a socket).</param>
/// <param name="SourceType">The source's type, for example <c>URL_REQUEST</c> or <c>HTTP2_SESSION</c>.</param>
/// <param name="Phase"><c>PHASE_BEGIN</c>, <c>PHASE_END</c> or <c>PHASE_NONE</c>.</param>
/// <param name="Params">The event's parameters; an empty object when it has none.</param>
public sealed record ChromiumNetLogEvent(string Type, long SourceId, string SourceType, string Phase, JsonElement Params)
{
    /// <summary>A string parameter, or null.</summary>
    public string? String(string name) =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;

    /// <summary>A numeric parameter, or null.</summary>
    public long? Number(string name) =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64() : null;

    /// <summary>The id of the source this event names as its dependency (<c>source_dependency.id</c>), or null.</summary>
    public long? DependencyId =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty("source_dependency", out JsonElement dependency)
            && dependency.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number
            ? id.GetInt64() : null;

    /// <summary>The <c>headers</c> parameter: Chromium logs each field as one <c>"name: value"</c> string.</summary>
    public IReadOnlyList<string> Headers =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty("headers", out JsonElement headers) && headers.ValueKind == JsonValueKind.Array
            ? [.. headers.EnumerateArray().Select(h => h.GetString() ?? "")] : [];

    /// <inheritdoc/>
    public override string ToString() => $"{SourceType} {SourceId} {Type} {Phase} {Params.GetRawText()}";
}
