using System.Globalization;
using System.Text.Json;

namespace Ws101.Handshake;

/// <summary>
/// The diagnosis of a HAR: how many entries it holds, its WebSocket upgrades each with a verdict, and the details of
/// the failed ones. Printed by <c>ws101 diagnose</c>, shown by the playground; its JSON is <c>ws101 diagnose --json</c>'s.
/// </summary>
internal sealed class HarReport
{
    public HarReport(string? creator, string? creatorVersion, string? browser, string? browserVersion, int totalEntries, int webSockets, int failed,
        IReadOnlyList<HarEntryVerdict> upgrades, long bytes, int peakBufferedBytes)
    {
        Creator = creator;
        CreatorVersion = creatorVersion;
        Browser = browser;
        BrowserVersion = browserVersion;
        TotalEntries = totalEntries;
        WebSockets = webSockets;
        Failed = failed;
        Upgrades = upgrades;
        Bytes = bytes;
        PeakBufferedBytes = peakBufferedBytes;
    }

    /// <summary><c>log.creator.name</c>.</summary>
    public string? Creator { get; }

    /// <summary><c>log.creator.version</c>.</summary>
    public string? CreatorVersion { get; }

    /// <summary><c>log.browser.name</c>.</summary>
    public string? Browser { get; }

    /// <summary><c>log.browser.version</c>.</summary>
    public string? BrowserVersion { get; }

    /// <summary>Every entry in the HAR.</summary>
    public int TotalEntries { get; }

    /// <summary>The WebSocket upgrades among them.</summary>
    public int WebSockets { get; }

    /// <summary>The upgrades that failed.</summary>
    public int Failed { get; }

    /// <summary>The upgrades listed, in the HAR's order (at most <see cref="HarDiagnosis.MaxListed"/>).</summary>
    public IReadOnlyList<HarEntryVerdict> Upgrades { get; }

    /// <summary>The HAR's size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The most bytes the reader held at once.</summary>
    public int PeakBufferedBytes { get; }

    /// <summary>True when the HAR has WebSocket upgrades and none failed.</summary>
    public bool IsValid => WebSockets > 0 && Failed == 0;

    /// <summary>Who wrote the HAR, for a person: "WebInspector 537.36 (Chromium DevTools)", "Firefox 130.0", …</summary>
    public string RecordedBy
    {
        get
        {
            string creator = $"{Creator ?? "an unnamed tool"}{(CreatorVersion is null ? "" : " " + CreatorVersion)}";
            string name = Creator == "WebInspector" ? creator + " (Chromium DevTools)" : creator;
            return Browser is null || Browser == Creator ? name : $"{name}, browser {Browser}{(BrowserVersion is null ? "" : " " + BrowserVersion)}";
        }
    }

    /// <summary>A frame time (seconds since 1970) as an ISO 8601 UTC timestamp.</summary>
    public static string FormatTime(double seconds)
    {
        // A HAR's frame times come from whoever wrote the file: a time no calendar holds (found by fuzzing: 1e300 s) is
        // shown as the number it is, not thrown at the reader of the report.
        double milliseconds = Math.Round(seconds * 1000);
        if (!double.IsFinite(milliseconds) || milliseconds < MinUnixMilliseconds || milliseconds > MaxUnixMilliseconds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds} s since 1970 (not a date)");
        }
        return DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    // The Unix times DateTimeOffset can hold: 0001-01-01 to 9999-12-31.
    private const double MinUnixMilliseconds = -62_135_596_800_000;
    private const double MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>Writes the report as one JSON object.</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", "har");
        writer.WriteBoolean("valid", IsValid);
        writer.WriteString("recordedBy", RecordedBy);
        writer.WriteNumber("entries", TotalEntries);
        writer.WriteNumber("webSockets", WebSockets);
        writer.WriteNumber("failed", Failed);
        writer.WriteNumber("bytes", Bytes);
        writer.WriteStartArray("upgrades");
        foreach (var u in Upgrades)
        {
            WriteUpgrade(writer, u);
        }
        writer.WriteEndArray();
        writer.WriteNumber("notListed", WebSockets - Upgrades.Count);
        writer.WriteEndObject();
    }

    private static void WriteUpgrade(Utf8JsonWriter writer, HarEntryVerdict u)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index", u.Index);
        writer.WriteString("url", u.Url);
        writer.WriteString("probeUrl", u.ProbeUrl);
        writer.WriteString("startedDateTime", u.StartedDateTime);
        writer.WriteString("httpVersion", u.HttpVersion);
        if (u.Status is int status)
        {
            writer.WriteNumber("status", status);
        }
        else
        {
            writer.WriteNull("status");
        }
        writer.WriteBoolean("valid", u.IsValid);
        writer.WriteString("summary", u.Summary);
        if (u.BrowserError is { } e)
        {
            writer.WriteStartObject("browserError");
            WriteBrowserError(writer, e);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("browserError");
        }
        if (u.Messages is { } m)
        {
            writer.WriteStartObject("messages");
            writer.WriteNumber("sent", m.SentCount);
            writer.WriteNumber("received", m.ReceivedCount);
            writer.WriteNumber("sentBytes", m.SentBytes);
            writer.WriteNumber("receivedBytes", m.ReceivedBytes);
            writer.WriteNumber("controlFrames", m.ControlCount);
            if (m.CloseCode is int code)
            {
                writer.WriteStartObject("close");
                writer.WriteNumber("code", code);
                writer.WriteString("reason", m.CloseReason);
                writer.WriteString("by", m.CloseDirection == "send" ? "browser" : "server");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("close");
            }
            writer.WriteString("firstFrame", m.FirstTime is double first ? FormatTime(first) : null);
            writer.WriteString("lastFrame", m.LastTime is double last ? FormatTime(last) : null);
            writer.WriteStartArray("errors");
            foreach (var error in m.Errors)
            {
                writer.WriteStringValue(error);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("messages");
        }
        writer.WriteString("request", u.RequestText);
        writer.WriteString("response", u.ResponseText);
        writer.WriteStartArray("masked");
        foreach (var name in u.MaskedHeaders)
        {
            writer.WriteStringValue(name);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("problems");
        foreach (var (part, p) in u.Problems)
        {
            HandshakeReport.WriteProblem(writer, part, p);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("notes");
        foreach (var n in u.Notes)
        {
            writer.WriteStringValue(n);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes a browser error's fields (browser, url, message, saw, next) into the current JSON object.</summary>
    internal static void WriteBrowserError(Utf8JsonWriter writer, BrowserError e)
    {
        writer.WriteString("browser", e.Browser);
        writer.WriteString("url", e.Url);
        writer.WriteString("message", e.Message);
        writer.WriteString("saw", e.Saw);
        writer.WriteString("next", e.NextStep);
    }
}
