using System.CommandLine;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 problems [CODE] [--markdown]</c>: every handshake problem code with its rule, meaning and fix, from the
/// library's catalog — the one place they are defined. docs/handshake-problems.md is this command's Markdown output.
/// </summary>
internal static class ProblemsCommand
{
    public static Command Create(CliConsole console)
    {
        var code = new Argument<string?>("code") { Description = "Show only this code (such as accept-mismatch).", Arity = ArgumentArity.ZeroOrOne };
        var markdown = new Option<bool>("--markdown") { Description = "Print the whole catalog as Markdown (the troubleshooting reference)." };
        var command = new Command("problems", "List the handshake problem codes: what each means and how to fix it.") { code, markdown };
        command.SetAction(result => Run(console, result.GetValue(code), result.GetValue(markdown)));
        return command;
    }

    private static int Run(CliConsole console, string? code, bool markdown)
    {
        var entries = HandshakeProblemCatalog.All;
        if (code is not null)
        {
            if (!HandshakeProblemCatalog.TryGet(code, out var entry))
            {
                console.Error.WriteLine($"error: no problem code '{code}'; run 'ws101 problems' for the list.");
                return ExitCodes.UsageError;
            }
            entries = [entry!];
        }
        if (markdown)
        {
            console.Out.Write(ToMarkdown(entries));
            return ExitCodes.Ok;
        }
        foreach (var e in entries)
        {
            console.Out.WriteLine($"{e.Id}  ({e.Rule})");
            console.Out.WriteLine($"  {e.Title}. {e.Explanation}");
            console.Out.WriteLine($"  fix: {e.Fix}");
            console.Out.WriteLine();
        }
        return ExitCodes.Ok;
    }

    internal static string ToMarkdown(IReadOnlyList<HandshakeProblemCatalog.Entry> entries)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("# Handshake problem codes\n\n");
        sb.Append("Every failed opening handshake is reported as one or more problems with a stable code. The codes, their\n");
        sb.Append("meaning and their fixes are defined once, in `HandshakeProblemCatalog` (src/Ws101/Handshake); this page is\n");
        sb.Append("generated from it by `ws101 problems --markdown`, and a test keeps the two identical.\n\n");
        sb.Append("Where you meet them: `ws101 diagnose` and `ws101 probe` print them; the playground shows them beside the\n");
        sb.Append("line at fault; `WebSocketHandshakeException.Problems` carries them in code; the server logs them and counts\n");
        sb.Append("refusals in the `ws101.handshakes.rejected` metric, tagged with the code.\n\n");
        sb.Append("| code | rule | meaning |\n| --- | --- | --- |\n");
        foreach (var e in entries)
        {
            sb.Append($"| [`{e.Id}`](#{e.Id}) | {e.Rule} | {e.Title} |\n");
        }
        foreach (var e in entries)
        {
            sb.Append($"\n## {e.Id}\n\n");
            sb.Append($"**{e.Title}** ({e.Rule}).\n\n");
            sb.Append(e.Explanation).Append("\n\n");
            sb.Append("Fix: ").Append(e.Fix).Append('\n');
            if (ProblemExamples.For(e.Code) is { } example)
            {
                sb.Append("\nExample (`ws101 diagnose` reports it):\n\n```http\n").Append(example.TrimEnd('\n')).Append("\n```\n");
            }
            else
            {
                sb.Append("\nSeen in: ").Append(ProblemExamples.SeenBy(e.Code)).Append(".\n");
            }
        }
        return sb.ToString();
    }
}
