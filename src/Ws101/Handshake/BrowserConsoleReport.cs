using System.Text.Json;

namespace Ws101.Handshake;

/// <summary>The diagnosis of pasted browser console text: each WebSocket error found, explained. Printed by <c>ws101 diagnose</c>.</summary>
internal sealed class BrowserConsoleReport
{
    public BrowserConsoleReport(IReadOnlyList<BrowserError> errors) => Errors = errors;

    /// <summary>The errors found, in the order of the text.</summary>
    public IReadOnlyList<BrowserError> Errors { get; }

    /// <summary>Reads pasted console text; null when it holds no browser WebSocket error.</summary>
    public static BrowserConsoleReport? Read(string text) => BrowserErrors.Find(text) is { Count: > 0 } errors ? new BrowserConsoleReport(errors) : null;

    /// <summary>Writes the report as one JSON object (<c>"kind": "console"</c>).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", "console");
        // A console error is a failure the browser saw: never a valid handshake.
        writer.WriteBoolean("valid", false);
        writer.WriteStartArray("errors");
        foreach (var e in Errors)
        {
            writer.WriteStartObject();
            HarReport.WriteBrowserError(writer, e);
            if (e.Problem is { } p)
            {
                writer.WritePropertyName("problem");
                HandshakeReport.WriteProblem(writer, HandshakePart.Response, p);
            }
            else
            {
                writer.WriteNull("problem");
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
