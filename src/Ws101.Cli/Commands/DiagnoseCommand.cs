using System.CommandLine;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 diagnose [FILE|-] [--json]</c>: reads what a person holds about a failed WebSocket and explains it. The input
/// is recognised by its content: a HAR file (JSON, read as a stream in bounded memory), browser console text (Chromium's
/// or Firefox's error lines), or a captured handshake (a raw request, response or both, or <c>curl -v</c> output).
/// Exits 0 only when what was given is valid.
/// </summary>
internal static class DiagnoseCommand
{
    private const int ChunkChars = 16 * 1024;

    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file")
        {
            Description = "A file holding a HAR, browser console lines or a captured handshake, or - (the default) for standard input.",
            DefaultValueFactory = _ => "-",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts." };
        var command = new Command("diagnose",
            "Diagnose a failed WebSocket from a HAR file (Chromium or Firefox), a browser console error, or a captured handshake (raw request/response, curl -v).")
        {
            file,
            json,
        };
        command.SetAction(result => Run(console, result.GetValue(file)!, result.GetValue(json)));
        return command;
    }

    private static int Run(CliConsole console, string file, bool json)
    {
        string source = file == "-" ? "standard input" : file;
        try
        {
            using TextReader reader = file == "-" ? console.In : new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            // The first read is as long as the longest transcript: enough to tell a HAR from text, and all of any text.
            var start = new char[HandshakeDiagnoser.MaxTranscriptLength + 1];
            int length = ReadUpTo(reader, start);
            if (start.AsSpan(0, length).Contains('\0'))
            {
                // An executable, an image, a capture file: no handshake text, console line or HAR holds a NUL character.
                throw new InvalidDataException("it is binary (it holds NUL bytes), not text: give a HAR file, browser console lines, or a captured handshake as text (raw request and response, or curl -v output)");
            }
            if (LooksLikeJson(start.AsSpan(0, length)))
            {
                return Har(console, reader, start.AsSpan(0, length), source, json);
            }
            if (length > HandshakeDiagnoser.MaxTranscriptLength)
            {
                throw new InvalidDataException($"the input is longer than {HandshakeDiagnoser.MaxTranscriptLength} characters, more than any handshake or console error (a HAR starts with '{{')");
            }
            string text = new(start, 0, length);
            if (BrowserConsoleReport.Read(text) is { } consoleReport)
            {
                if (json)
                {
                    console.Out.WriteLine(JsonText.Write(consoleReport.WriteJson));
                }
                else
                {
                    ReportPrinter.PrintConsole(consoleReport, console.Out);
                }
                return ExitCodes.Problems;
            }
            var report = HandshakeDiagnoser.Diagnose(text);
            if (json)
            {
                console.Out.WriteLine(report.ToJson());
            }
            else
            {
                ReportPrinter.Print(report, console.Out);
            }
            return report.IsValid ? ExitCodes.Ok : ExitCodes.Problems;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            console.Error.WriteLine($"error: cannot read {source}: {ex.Message}");
            return ExitCodes.UsageError;
        }
        catch (HarFormatException ex)
        {
            console.Error.WriteLine($"error: {source} is not a HAR that can be read: {ex.Message}");
            return ExitCodes.UsageError;
        }
    }

    /// <summary>Streams a HAR through the reader, chunk by chunk: memory stays bounded whatever the file's size.</summary>
    private static int Har(CliConsole console, TextReader reader, ReadOnlySpan<char> start, string source, bool json)
    {
        var diagnosis = new HarDiagnosis();
        var har = new HarReader(diagnosis.Add);
        var encoder = new UTF8Encoding(false).GetEncoder();
        var chars = new char[ChunkChars];
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(Math.Max(ChunkChars, start.Length))];
        int n = encoder.GetBytes(start, bytes, flush: false);
        har.Feed(bytes.AsSpan(0, n), isFinal: false);
        int read;
        while ((read = reader.Read(chars, 0, chars.Length)) > 0)
        {
            n = encoder.GetBytes(chars.AsSpan(0, read), bytes, flush: false);
            har.Feed(bytes.AsSpan(0, n), isFinal: false);
        }
        n = encoder.GetBytes([], bytes, flush: true);
        har.Feed(bytes.AsSpan(0, n), isFinal: true);
        var report = diagnosis.Finish(har);
        if (json)
        {
            console.Out.WriteLine(JsonText.Write(report.WriteJson));
        }
        else
        {
            ReportPrinter.PrintHar(report, source, console.Out);
        }
        return report.IsValid ? ExitCodes.Ok : ExitCodes.Problems;
    }

    /// <summary>A HAR is a JSON object: its first character, after whitespace, is '{'. No transcript or console line starts so.</summary>
    internal static bool LooksLikeJson(ReadOnlySpan<char> text) => text.TrimStart().TrimStart('\uFEFF').StartsWith('{');

    private static int ReadUpTo(TextReader reader, char[] buffer)
    {
        int total = 0;
        int n;
        while (total < buffer.Length && (n = reader.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }
        return total;
    }
}
