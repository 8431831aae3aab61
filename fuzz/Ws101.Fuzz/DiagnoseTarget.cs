using System.Text;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// The transcript diagnoser behind <c>ws101 diagnose</c> and <c>POST /api/diagnose</c>. Input: one option byte (bit 0:
/// decode the rest as Latin-1 instead of UTF-8; the other bits: which input format shapes it), then the text.
/// </summary>
/// <remarks>
/// The only documented exception is <see cref="ArgumentException"/> for a text over
/// <see cref="HandshakeDiagnoser.MaxTranscriptLength"/>; it must come exactly then. Checked: the report's JSON
/// renders, and a valid report has no problems and holds a handshake. To fuzz another input format, add one entry
/// to <see cref="Formats"/>: a function that dresses the fuzzer's text in that format.
/// </remarks>
internal static class DiagnoseTarget
{
    /// <summary>
    /// The input formats the diagnoser reads, each as a way to shape the fuzzer's text, so that mutations land inside
    /// the format instead of having to discover its syntax first.
    /// </summary>
    internal static readonly (string Name, Func<string, string> Shape)[] Formats =
    [
        // A raw request and/or response as pasted (CRLF or LF lines): the text itself.
        ("raw", text => text),
        // curl -v output: the head before the first empty line as "> " lines, the rest as "< " lines, with curl's "* " notes.
        ("curl-v", CurlVerbose),
    ];

    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        string text = (options & 1) != 0 ? Encoding.Latin1.GetString(fuzz.Rest) : Encoding.UTF8.GetString(fuzz.Rest);
        text = Formats[(options >> 1) % Formats.Length].Shape(text);

        if (text.Length > HandshakeDiagnoser.MaxTranscriptLength)
        {
            try
            {
                HandshakeDiagnoser.Diagnose(text);
            }
            catch (ArgumentException)
            {
                return;
            }
            throw new InvariantException($"a transcript of {text.Length} characters was diagnosed; the limit is {HandshakeDiagnoser.MaxTranscriptLength}");
        }
        var report = HandshakeDiagnoser.Diagnose(text);
        string json = report.ToJson(indented: false);
        Invariant.Holds(json.Length > 0, "empty JSON");
        Invariant.Holds(!report.IsValid || (report.Problems.Count == 0 && report.Kind != "nothing"), "a valid report with problems or without a handshake");
        Invariant.Holds(report.Kind != "nothing" || report.Problems.Count == 0, "problems found in nothing");
    }

    private static string CurlVerbose(string text)
    {
        var sb = new StringBuilder("*   Trying 127.0.0.1:8080...\n* Connected to 127.0.0.1 (127.0.0.1) port 8080\n");
        string prefix = "> ";
        foreach (var line in text.Split('\n'))
        {
            string l = line.TrimEnd('\r');
            sb.Append(prefix).Append(l).Append('\n');
            if (l.Length == 0)
            {
                prefix = "< ";
            }
        }
        return sb.Append("* Connection #0 to host 127.0.0.1 left intact\n").ToString();
    }
}
