using System.CommandLine;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 diagnose [FILE|-] [--json]</c>: reads a captured handshake (a request, a response, or both)
/// and prints every problem with its explanation and fix. Exits 0 only when the handshake is valid.
/// </summary>
internal static class DiagnoseCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file")
        {
            Description = "A file holding the captured handshake, or - (the default) for standard input.",
            DefaultValueFactory = _ => "-",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts." };
        var command = new Command("diagnose", "Diagnose a captured handshake: a raw request, a raw response, or both (CRLF or LF, curl -v output too).")
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
            text = ReadBounded(file == "-" ? console.In : new StreamReader(file), HandshakeDiagnoser.MaxTranscriptLength);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            console.Error.WriteLine($"error: cannot read {(file == "-" ? "standard input" : file)}: {ex.Message}");
            return ExitCodes.UsageError;
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
            var buffer = new char[max + 1];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = reader.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }
            if (total > max)
            {
                throw new InvalidDataException($"the input is longer than {max} characters, more than any handshake");
            }
            return new string(buffer, 0, total);
        }
    }
}
