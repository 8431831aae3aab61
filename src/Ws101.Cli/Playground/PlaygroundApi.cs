using System.Text;
using System.Text.Json;
using Ws101.Handshake;
using Ws101.Server;

namespace Ws101.Cli.Playground;

/// <summary>
/// The playground's JSON API, all <c>POST</c> with <c>application/json</c> in and out:
/// <c>/api/diagnose</c> (<c>{"transcript": "..."}</c> → the JSON of <c>ws101 diagnose --json</c> for a captured handshake or
/// browser console lines; a HAR, <c>{"log": ...}</c>, → the HAR report, the same as for a file)
/// and <c>/api/accept</c> (<c>{"key": "..."}</c> → the <see cref="AcceptSteps"/> and the key check, for browsers
/// without <c>crypto.subtle</c>). Errors are <c>{"error": "..."}</c> with 400, 405, 413 or 415.
/// </summary>
internal static class PlaygroundApi
{
    public const string DiagnosePath = "/api/diagnose";
    public const string AcceptPath = "/api/accept";

    /// <summary>
    /// The largest request body the API reads: two heads at the parser's 16 KiB each, JSON-escaped, fit with room to spare.
    /// It is below the server's own limit (<see cref="WebSocketServerOptions.MaxHttpBodyBytes"/>, 64 KiB), so that a body
    /// between the two gets this API's JSON 413; beyond 64 KiB the server answers 413 in plain text without reading it.
    /// </summary>
    public const int MaxBodyBytes = 48 * 1024;

    /// <summary>
    /// The largest HAR body: the page sends only the WebSocket entries of a HAR, without bodies or payloads (it keeps their
    /// lengths), so even a HAR of many megabytes fits. Below <see cref="MaxHttpBodyBytes"/>, for the same reason as above.
    /// </summary>
    public const int MaxHarBodyBytes = 512 * 1024;

    /// <summary>The server's <see cref="WebSocketServerOptions.MaxHttpBodyBytes"/> for <c>ws101 serve</c>: room for a HAR body and its JSON 413.</summary>
    public const int MaxHttpBodyBytes = 576 * 1024;

    /// <summary>
    /// Readable JSON: '+' and quotes as themselves rather than \u escapes. Safe here, since the answer is
    /// application/json with nosniff and the page reads it with JSON.parse, never as HTML.
    /// </summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool IsApiPath(string path) => path.StartsWith("/api/", StringComparison.Ordinal);

    public static HttpFallbackResponse Handle(string path, HttpFallbackRequest request)
    {
        if (path is not (DiagnosePath or AcceptPath))
        {
            return Error(404, $"No API at {path}; there are {DiagnosePath} and {AcceptPath}.");
        }
        string? contentType = request.Head.Headers.GetFirst("Content-Type");
        if (!IsJson(contentType))
        {
            return Error(415, $"Send the body as application/json (the Content-Type was {(contentType is null ? "missing" : $"'{contentType}'")}).");
        }
        if (path == DiagnosePath && IsHar(request.Body.Span))
        {
            return request.Body.Length > MaxHarBodyBytes
                ? Error(413, $"The HAR body has {request.Body.Length} bytes; the limit is {MaxHarBodyBytes}. Send only its WebSocket entries, or run `ws101 diagnose FILE.har`.")
                : DiagnoseHar(request.Body.Span);
        }
        if (request.Body.Length > MaxBodyBytes)
        {
            return Error(413, $"The body has {request.Body.Length} bytes; the limit is {MaxBodyBytes}.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            return Error(400, $"The body is not valid JSON: {ex.Message}");
        }
        using (document)
        {
            return path == DiagnosePath ? Diagnose(document.RootElement) : Accept(document.RootElement);
        }
    }

    private static HttpFallbackResponse Diagnose(JsonElement root)
    {
        if (ReadString(root, "transcript", out string transcript) is { } error)
        {
            return error;
        }
        if (transcript.Length > HandshakeDiagnoser.MaxTranscriptLength)
        {
            return Error(413, $"The transcript has {transcript.Length} characters; the limit is {HandshakeDiagnoser.MaxTranscriptLength}.");
        }
        if (BrowserConsoleReport.Read(transcript) is { } console)
        {
            return Json(200, console.WriteJson);
        }
        var report = HandshakeDiagnoser.Diagnose(transcript);
        return Json(200, report.WriteJson);
    }

    /// <summary>A body whose JSON object starts with "log" is a HAR (the page sends HARs as they are, reduced).</summary>
    private static bool IsHar(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = false });
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read()
                && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("log"u8);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static HttpFallbackResponse DiagnoseHar(ReadOnlySpan<byte> body)
    {
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add, MaxHarBodyBytes);
        try
        {
            reader.Feed(body, isFinal: true);
        }
        catch (HarFormatException ex)
        {
            return Error(400, $"The HAR cannot be read: {ex.Message}");
        }
        return Json(200, diagnosis.Finish(reader).WriteJson);
    }

    private static HttpFallbackResponse Accept(JsonElement root)
    {
        if (ReadString(root, "key", out string key) is { } error)
        {
            return error;
        }
        if (key.Length > WebSocketAccept.MaxKeyLength || !Ascii.IsValid(key))
        {
            return Error(400, $"A key is ASCII text of at most {WebSocketAccept.MaxKeyLength} characters.");
        }
        var steps = AcceptSteps.For(key);
        return Json(200, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("key", steps.Key);
            writer.WriteString("guid", WebSocketAccept.Guid);
            writer.WriteString("concatenated", steps.Concatenated);
            writer.WriteString("sha1Hex", steps.Sha1Hex);
            writer.WriteString("accept", steps.Accept);
            writer.WriteString("keyProblem", WebSocketKeyRules.Check(key));
            writer.WriteEndObject();
        });
    }

    /// <summary>Reads the string field <paramref name="name"/> of the body; returns the 400 to answer when there is none.</summary>
    private static HttpFallbackResponse? ReadString(JsonElement root, string name, out string value)
    {
        value = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Error(400, $"The body must be a JSON object with a string \"{name}\".");
        }
        if (!root.TryGetProperty(name, out var property))
        {
            return Error(400, $"The body has no \"{name}\" field.");
        }
        if (property.ValueKind != JsonValueKind.String)
        {
            return Error(400, $"\"{name}\" must be a string, not {property.ValueKind.ToString().ToLowerInvariant()}.");
        }
        value = property.GetString()!;
        return null;
    }

    /// <summary>application/json, or any type/subtype+json, with or without parameters.</summary>
    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }
        string mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    internal static HttpFallbackResponse Error(int status, string message) =>
        Json(status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        });

    private static HttpFallbackResponse Json(int status, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            write(writer);
        }
        var answer = new HttpFallbackResponse(status, "application/json; charset=utf-8", stream.ToArray());
        return PlaygroundSite.WithCommonHeaders(answer, "no-store");
    }
}
