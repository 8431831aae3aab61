using System.CommandLine;
using Ws101.Cli.Diagnose;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 diagnose [FILE|-] [--json]</c>: reads a captured handshake (a request, a response, or both)
/// and prints every problem with its explanation and fix; a browser's HAR export is read too (its first WebSocket entry,
/// HTTP/1.1 or HTTP/2). Exits 0 only when the handshake is valid.
/// </summary>
internal static class DiagnoseCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file")
        {
            Description = "A file holding the captured handshake (or a browser's HAR export), or - (the default) for standard input.",
            DefaultValueFactory = _ => "-",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts." };
        var command = new Command("diagnose", "Diagnose a captured handshake: a raw request, a raw response, or both (CRLF or LF, curl -v output, HTTP/2 header blocks, a HAR file).")
        {
            file,
            json,
        };
        command.SetAction(result => Run(console, result.GetValue(file)!, result.GetValue(json)));
        return command;
    }

    private static int Run(CliConsole console, string file, bool json)
    {
        string text;
        try
        {
            // A HAR holds a whole page's traffic, so it may be far longer than a handshake; it is bounded all the same.
            text = ReadBounded(file == "-" ? console.In : new StreamReader(file), HarTranscript.MaxLength);
            if (!HarTranscript.IsHar(text) && text.Length > HandshakeDiagnoser.MaxTranscriptLength)
            {
                throw new InvalidDataException($"the input is longer than {HandshakeDiagnoser.MaxTranscriptLength} characters, more than any handshake");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            console.Error.WriteLine($"error: cannot read {(file == "-" ? "standard input" : file)}: {ex.Message}");
            return ExitCodes.UsageError;
        }
        if (HarTranscript.IsHar(text))
        {
            if (!HarTranscript.TryConvert(text, out string transcript, out string note, out string? error)
                || transcript.Length > HandshakeDiagnoser.MaxTranscriptLength)
            {
                error ??= $"the HAR's WebSocket entry is longer than {HandshakeDiagnoser.MaxTranscriptLength} characters, more than any handshake";
                console.Error.WriteLine($"error: {error}");
                return ExitCodes.UsageError;
            }
            text = transcript;
            if (!json)
            {
                console.Out.WriteLine($"note: {note}");
            }
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

    /// <summary>Reads at most <paramref name="max"/> characters; more is an error rather than unbounded memory.</summary>
    private static string ReadBounded(TextReader reader, int max)
    {
        using (reader as IDisposable)
        {
            // Grows with what arrives (a handshake is a few hundred characters), never past max + one chunk.
            var text = new System.Text.StringBuilder();
            var chunk = new char[8192];
            int n;
            while (text.Length <= max && (n = reader.Read(chunk, 0, chunk.Length)) > 0)
            {
                text.Append(chunk, 0, n);
            }
            if (text.Length > max)
            {
                throw new InvalidDataException($"the input is longer than {max} characters");
            }
            return text.ToString();
        }
    }
}
