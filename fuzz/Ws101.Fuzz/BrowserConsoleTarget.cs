using System.Text;
using System.Text.Json;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// The reading of pasted browser console text behind <c>ws101 diagnose</c> and the playground: <see cref="BrowserErrors"/>
/// and the report's JSON. Input: one option byte (bit 0: decode the rest as Latin-1 instead of UTF-8), then the text.
/// </summary>
/// <remarks>No exception is documented. Checked: each error found has the browser's words and a description of what it
/// saw, names its URL in the next step when it has one, and reading the same text again finds the same errors.</remarks>
internal static class BrowserConsoleTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        string text = (options & 1) != 0 ? Encoding.Latin1.GetString(fuzz.Rest) : Encoding.UTF8.GetString(fuzz.Rest);
        var report = BrowserConsoleReport.Read(text);
        if (report is null)
        {
            return;
        }
        foreach (var error in report.Errors)
        {
            Invariant.Holds(error.Saw.Length > 0 && error.Browser.Length > 0, "an error without the browser or what it saw");
            Invariant.Holds(error.Url is null || error.NextStep.Contains(error.Url, StringComparison.Ordinal), "the next step does not name the URL");
        }
        Invariant.Holds(BrowserErrors.Find(text).SequenceEqual(report.Errors), "reading the same text twice found other errors");
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream);
        report.WriteJson(writer);
    }
}
