using System.Text.Json;

namespace Ws101.Handshake;

/// <summary>
/// The diagnosis of a captured handshake: what was found in it, every problem with the part and line it
/// concerns, and what was negotiated when it is valid. Produced by <see cref="HandshakeDiagnoser"/>;
/// printed by <c>ws101 diagnose</c> and shown by the playground.
/// </summary>
internal sealed class HandshakeReport
{
    internal HandshakeReport(HandshakeTranscript transcript, IReadOnlyList<DiagnosedProblem> problems, IReadOnlyList<string> notes,
        string? expectedAccept, string? subprotocol, IReadOnlyList<WebSocketExtension> extensions)
    {
        Transcript = transcript;
        Problems = problems;
        Notes = notes;
        ExpectedAccept = expectedAccept;
        Subprotocol = subprotocol;
        Extensions = extensions;
    }

    /// <summary>The transcript as split into request and response.</summary>
    public HandshakeTranscript Transcript { get; }

    /// <summary>What the transcript holds: "request", "response", "request and response", or "nothing".</summary>
    public string Kind => (Transcript.RequestText, Transcript.ResponseText) switch
    {
        (not null, not null) => "request and response",
        (not null, null) => "request",
        (null, not null) => "response",
        _ => "nothing",
    };

    /// <summary>Every problem, request problems first.</summary>
    public IReadOnlyList<DiagnosedProblem> Problems { get; }

    /// <summary>What could not be checked and why (a response without its request has no key to check the accept against).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when the transcript holds a handshake and nothing is wrong with it.</summary>
    public bool IsValid => Problems.Count == 0 && Kind != "nothing";

    /// <summary>The accept value the key in the request calls for, when the request has a usable key.</summary>
    public string? ExpectedAccept { get; }

    /// <summary>The subprotocol the response selected, when valid.</summary>
    public string? Subprotocol { get; }

    /// <summary>The extensions the response accepted, when valid.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions { get; }

    /// <summary>Writes the report as one JSON object (the format of <c>ws101 diagnose --json</c> and <c>POST /api/diagnose</c>).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteBoolean("valid", IsValid);
        writer.WriteString("kind", Kind);
        writer.WriteString("request", Transcript.RequestText);
        writer.WriteString("response", Transcript.ResponseText);
        writer.WriteString("expectedAccept", ExpectedAccept);
        writer.WriteString("subprotocol", Subprotocol);
        writer.WriteStartArray("extensions");
        foreach (var e in Extensions)
        {
            writer.WriteStringValue(e.ToString());
        }
        writer.WriteEndArray();
        writer.WriteStartArray("problems");
        foreach (var (part, p) in Problems)
        {
            WriteProblem(writer, part, p);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("notes");
        foreach (var n in Notes)
        {
            writer.WriteStringValue(n);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes one problem as the JSON object every diagnosis output uses (code, title, rule, line, evidence, fix, …).</summary>
    internal static void WriteProblem(Utf8JsonWriter writer, HandshakePart part, HandshakeProblem p)
    {
        writer.WriteStartObject();
        writer.WriteString("part", part == HandshakePart.Request ? "request" : "response");
        writer.WriteString("code", p.Id);
        writer.WriteString("title", HandshakeProblemCatalog.Get(p.Code).Title);
        writer.WriteString("rule", p.Rule);
        if (p.Line is int line)
        {
            writer.WriteNumber("line", line);
        }
        else
        {
            writer.WriteNull("line");
        }
        writer.WriteString("subject", p.Subject);
        writer.WriteString("expected", p.Expected);
        writer.WriteString("actual", p.Actual);
        writer.WriteString("cause", p.Cause);
        writer.WriteString("evidence", p.Evidence);
        writer.WriteString("explanation", p.Explanation);
        writer.WriteString("fix", p.Fix);
        writer.WriteEndObject();
    }

    /// <summary>The report as a JSON string.</summary>
    public string ToJson(bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            WriteJson(writer);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
