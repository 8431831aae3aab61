using System.Text;
using System.Text.Json;

namespace Ws101.Interop.Harness;

/// <summary>
/// A Chromium NetLog (the file <c>--log-net-log=FILE</c> writes, or chrome://net-export saves), read with
/// System.Text.Json: Chromium's own record of what its network stack did, independent of the DevTools protocol and of
/// the page's JavaScript. Events are named through the log's <c>constants</c> table.
/// </summary>
/// <remarks>
/// Chromium writes the constants on the first line, then one event per line, and closes the array and object only when
/// it exits cleanly. A log cut short (a browser killed mid-write) is still read: every complete event line is kept and
/// <see cref="Truncated"/> says so.
/// </remarks>
public sealed class ChromiumNetLog
{
    private ChromiumNetLog(IReadOnlyList<ChromiumNetLogEvent> events, bool truncated)
    {
        Events = events;
        Truncated = truncated;
    }

    /// <summary>Every event, in the order written.</summary>
    public IReadOnlyList<ChromiumNetLogEvent> Events { get; }

    /// <summary>True when the log did not end as a complete JSON document, and only its complete event lines were read.</summary>
    public bool Truncated { get; }

    /// <summary>Reads the log at <paramref name="path"/>.</summary>
    public static ChromiumNetLog Read(string path) => Parse(File.ReadAllText(path, Encoding.UTF8));

    /// <summary>Parses a log's text.</summary>
    /// <exception cref="FormatException">The text has no constants table, so no event can be named.</exception>
    public static ChromiumNetLog Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            var names = new Names(root.GetProperty("constants"));
            return new ChromiumNetLog([.. root.GetProperty("events").EnumerateArray().Select(names.Event)], truncated: false);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return ParseLines(text);
        }
    }

    /// <summary>
    /// The log of a browser that did not finish writing: the first line is <c>{"constants":{…},</c>, then
    /// <c>"events": [</c>, then one event object per line followed by a comma; the last line may be cut anywhere.
    /// </summary>
    private static ChromiumNetLog ParseLines(string text)
    {
        string[] lines = text.Split('\n');
        string first = lines[0].TrimEnd('\r', ' ', ',');
        Names names;
        try
        {
            using var constants = JsonDocument.Parse(first + "}");
            names = new Names(constants.RootElement.GetProperty("constants"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("not a Chromium NetLog: its first line is not {\"constants\":{...},", e);
        }
        var events = new List<ChromiumNetLogEvent>();
        foreach (string line in lines.Skip(1))
        {
            string candidate = line.Trim().TrimEnd(',').TrimEnd(']').TrimEnd(',');
            if (!candidate.StartsWith('{'))
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(candidate);
                if (document.RootElement.TryGetProperty("type", out _) && document.RootElement.TryGetProperty("source", out _))
                {
                    events.Add(names.Event(document.RootElement));
                }
            }
            catch (JsonException)
            {
                // The line the browser was writing when it stopped.
            }
        }
        return new ChromiumNetLog(events, truncated: true);
    }

    /// <summary>
    /// The first request for <paramref name="url"/> that Chromium sent as a stream of an HTTP/2 session: the URL request
    /// whose <c>REQUEST_ALIVE</c> names the URL, and the session's <c>HTTP2_SESSION_SEND_HEADERS</c> whose
    /// <c>source_dependency</c> is that request or its stream job. Null when no such request was logged (for example when it went over
    /// HTTP/1.1, which logs <c>HTTP_TRANSACTION_SEND_REQUEST_HEADERS</c> instead).
    /// </summary>
    public ChromiumHttp2Request? FindHttp2Request(Uri url)
    {
        string wanted = url.AbsoluteUri;
        foreach (ChromiumNetLogEvent alive in Events.Where(e => e is { Type: "REQUEST_ALIVE", Phase: "PHASE_BEGIN", SourceType: "URL_REQUEST" } && e.String("url") == wanted))
        {
            // The session names what it sent the headers for: the URL request itself (a WebSocket), or the stream job the
            // request was bound to (an ordinary request, HTTP_STREAM_REQUEST_BOUND_TO_JOB).
            HashSet<long> owners = [alive.SourceId, .. Events
                .Where(e => e.SourceId == alive.SourceId && e.Type == "HTTP_STREAM_REQUEST_BOUND_TO_JOB" && e.DependencyId is not null)
                .Select(e => e.DependencyId!.Value)];
            ChromiumNetLogEvent? sent = Events.FirstOrDefault(e => e is { Type: "HTTP2_SESSION_SEND_HEADERS" } && e.DependencyId is long owner && owners.Contains(owner));
            if (sent?.Number("stream_id") is not long stream)
            {
                continue;
            }
            long session = sent.SourceId;
            bool OnStream(ChromiumNetLogEvent e, string type) => e.SourceId == session && e.Type == type && e.Number("stream_id") == stream;
            ChromiumNetLogEvent? received = Events.FirstOrDefault(e => OnStream(e, "HTTP2_SESSION_RECV_HEADERS"));
            string protocol = Events.FirstOrDefault(e => e.SourceId == session && e.Type == "HTTP2_SESSION_INITIALIZED")?.String("protocol") ?? "";
            return new ChromiumHttp2Request(wanted, session, protocol, stream, sent.Headers, received?.Headers ?? [],
                Events.Where(e => OnStream(e, "HTTP2_SESSION_SEND_DATA")).Sum(e => e.Number("size") ?? 0),
                Events.Where(e => OnStream(e, "HTTP2_SESSION_RECV_DATA")).Sum(e => e.Number("size") ?? 0));
        }
        return null;
    }

    /// <summary>
    /// The SETTINGS the server sent on HTTP/2 session <paramref name="sessionId"/> (<c>HTTP2_SESSION_RECV_SETTING</c>), by
    /// name: Chromium logs each as <c>"8 (SETTINGS_ENABLE_CONNECT_PROTOCOL)"</c> and its value.
    /// </summary>
    public IReadOnlyDictionary<string, long> ReceivedSettings(long sessionId)
    {
        var settings = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ChromiumNetLogEvent e in Events.Where(e => e.SourceId == sessionId && e.Type == "HTTP2_SESSION_RECV_SETTING"))
        {
            if (e.String("id") is { } id && e.Number("value") is long value)
            {
                int open = id.IndexOf('(', StringComparison.Ordinal);
                string name = open >= 0 ? id[(open + 1)..].TrimEnd(')') : id;
                settings[name] = value;
            }
        }
        return settings;
    }

    /// <summary>The HTTP/2 and WebSocket events, one per line, for a failure message.</summary>
    public string Describe()
    {
        var text = new StringBuilder("--- chromium netlog: ").Append(Events.Count).Append(" events").Append(Truncated ? " (truncated)" : "").AppendLine("; HTTP/2 and WebSocket ones:");
        foreach (ChromiumNetLogEvent e in Events.Where(e => e.Type.StartsWith("HTTP2_SESSION", StringComparison.Ordinal) || e.Type.StartsWith("WEBSOCKET", StringComparison.Ordinal)
            || e.Type is "REQUEST_ALIVE" or "HTTP_TRANSACTION_SEND_REQUEST_HEADERS" or "HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS"))
        {
            string line = e.ToString();
            text.Append("      ").AppendLine(line.Length > 400 ? line[..400] + "…" : line);
        }
        return text.ToString();
    }

    /// <summary>The constants table's numbers turned back into names.</summary>
    private sealed class Names(JsonElement constants)
    {
        private static readonly JsonElement EmptyObject = JsonSerializer.Deserialize<JsonElement>("{}");
        private readonly Dictionary<long, string> _eventTypes = Invert(constants.GetProperty("logEventTypes"));
        private readonly Dictionary<long, string> _sourceTypes = Invert(constants.GetProperty("logSourceType"));
        private readonly Dictionary<long, string> _phases = Invert(constants.GetProperty("logEventPhase"));

        public ChromiumNetLogEvent Event(JsonElement e)
        {
            JsonElement source = e.GetProperty("source");
            long type = e.GetProperty("type").GetInt64();
            long sourceType = source.GetProperty("type").GetInt64();
            long phase = e.TryGetProperty("phase", out JsonElement p) ? p.GetInt64() : 0;
            JsonElement parameters = e.TryGetProperty("params", out JsonElement found) ? found.Clone() : EmptyObject;
            return new ChromiumNetLogEvent(_eventTypes.GetValueOrDefault(type, type.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                source.GetProperty("id").GetInt64(), _sourceTypes.GetValueOrDefault(sourceType, sourceType.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                _phases.GetValueOrDefault(phase, phase.ToString(System.Globalization.CultureInfo.InvariantCulture)), parameters);
        }

        private static Dictionary<long, string> Invert(JsonElement table) =>
            table.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Value.GetInt64(), p => p.Name);
    }
}
