using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ws101.Cli.Diagnose;

/// <summary>
/// Turns a browser's HAR export (HTTP Archive 1.2: <c>log.entries[]</c>) into the transcript <c>ws101 diagnose</c> reads:
/// the first entry that is a WebSocket handshake, as an HTTP/1.1 request and response, or — when its <c>httpVersion</c>
/// is HTTP/2 — as the header blocks of an RFC 8441 extended CONNECT (pseudo-header fields first, <c>:status</c> for the
/// answer), where there is no key and no accept value to check. Pure: text in, text out.
/// </summary>
internal static class HarTranscript
{
    /// <summary>The largest HAR read (a page's whole archive, of which one entry is used); more is refused, never buffered.</summary>
    public const int MaxLength = 32 * 1024 * 1024;

    /// <summary>True when the text looks like JSON rather than a raw transcript.</summary>
    public static bool IsHar(string text) => text.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal);

    /// <summary>The transcript of the first WebSocket entry and a note naming it, or an error for the user.</summary>
    public static bool TryConvert(string json, out string transcript, out string note, out string? error)
    {
        transcript = "";
        note = "";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            error = $"the input starts like JSON but is not JSON: {ex.Message}";
            return false;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("log", out var log) || log.ValueKind != JsonValueKind.Object
                || !log.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                error = "the JSON is not a HAR file (no log.entries array)";
                return false;
            }
            int index = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                if (IsWebSocket(entry))
                {
                    var request = entry.GetProperty("request");
                    bool http2 = IsHttp2(Text(request, "httpVersion")) || (entry.TryGetProperty("response", out var r) && IsHttp2(Text(r, "httpVersion")));
                    transcript = http2 ? Http2(entry) : Http11(entry);
                    note = $"read HAR entry {index} ({Text(request, "url")}), httpVersion {Text(request, "httpVersion") ?? "(none)"}"
                        + (http2 ? ": an RFC 8441 extended CONNECT on an HTTP/2 stream, answered by :status, with no accept value to check" : "");
                    error = null;
                    return true;
                }
                index++;
            }
            error = $"none of the HAR's {index} entries is a WebSocket handshake (a ws:// or wss:// URL, Upgrade: websocket, or :protocol websocket)";
            return false;
        }
    }

    private static bool IsWebSocket(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        if (Text(entry, "_resourceType") is "websocket")
        {
            return true;
        }
        string? url = Text(request, "url");
        if (url is not null && (url.StartsWith("ws://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("wss://", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        return Headers(request).Any(h => (h.Key.Equals("upgrade", StringComparison.OrdinalIgnoreCase) || h.Key == ":protocol")
            && h.Value.Equals("websocket", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>HAR writers spell HTTP/2 as "h2", "HTTP/2", "HTTP/2.0" or "http/2.0".</summary>
    private static bool IsHttp2(string? version) =>
        version is not null && (version.Equals("h2", StringComparison.OrdinalIgnoreCase) || version.StartsWith("HTTP/2", StringComparison.OrdinalIgnoreCase));

    private static string Http11(JsonElement entry)
    {
        var request = entry.GetProperty("request");
        var sb = new StringBuilder();
        string target = Uri.TryCreate(Text(request, "url"), UriKind.Absolute, out var uri) ? uri.PathAndQuery : "/";
        sb.Append(Text(request, "method") ?? "GET").Append(' ').Append(target).Append(' ').Append(Version11(Text(request, "httpVersion"))).Append("\r\n");
        AppendFields(sb, Headers(request).Where(h => !h.Key.StartsWith(':')));
        sb.Append("\r\n");
        if (entry.TryGetProperty("response", out var response) && Status(response) is int status and > 0)
        {
            sb.Append(Version11(Text(response, "httpVersion"))).Append(' ').Append(status.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(Text(response, "statusText") ?? "").Append("\r\n");
            AppendFields(sb, Headers(response).Where(h => !h.Key.StartsWith(':')));
            sb.Append("\r\n");
        }
        return sb.ToString();
    }

    private static string Http2(JsonElement entry)
    {
        var request = entry.GetProperty("request");
        var headers = Headers(request);
        var sb = new StringBuilder();
        var pseudo = headers.Where(h => h.Key.StartsWith(':')).ToList();
        if (pseudo.Count == 0 && Uri.TryCreate(Text(request, "url"), UriKind.Absolute, out var uri))
        {
            // Without the pseudo-header fields (some HAR writers drop them), an HTTP/2 WebSocket is an extended CONNECT to
            // the entry's URL (RFC 8441 §4: :scheme https for wss, http for ws; browsers list it under its ws(s):// URL as "GET").
            pseudo = [new(":method", "CONNECT"), new(":protocol", "websocket"), new(":scheme", uri.Scheme is "wss" or "https" ? "https" : "http"),
                new(":authority", uri.Authority), new(":path", uri.PathAndQuery)];
        }
        AppendFields(sb, pseudo);
        AppendFields(sb, headers.Where(h => !h.Key.StartsWith(':')).Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)));
        sb.Append("\r\n");
        if (entry.TryGetProperty("response", out var response) && Status(response) is int status and > 0)
        {
            sb.Append(":status: ").Append(status.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            AppendFields(sb, Headers(response).Where(h => !h.Key.StartsWith(':')).Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)));
            sb.Append("\r\n");
        }
        return sb.ToString();
    }

    private static string Version11(string? version) => version is not null && version.StartsWith("HTTP/1.", StringComparison.OrdinalIgnoreCase) ? version.ToUpperInvariant() : "HTTP/1.1";

    private static int? Status(JsonElement response) =>
        response.ValueKind == JsonValueKind.Object && response.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out int v) ? v : null;

    private static void AppendFields(StringBuilder sb, IEnumerable<KeyValuePair<string, string>> fields)
    {
        foreach (var (name, value) in fields)
        {
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
    }

    private static List<KeyValuePair<string, string>> Headers(JsonElement message)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Array)
        {
            foreach (var h in headers.EnumerateArray())
            {
                if (Text(h, "name") is { Length: > 0 } name)
                {
                    // A field's value never spans lines; a HAR that says otherwise is flattened so the transcript stays one field a line.
                    list.Add(new(name, (Text(h, "value") ?? "").Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)));
                }
            }
        }
        return list;
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
