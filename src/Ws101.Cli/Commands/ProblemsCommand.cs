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
        sb.Append("refusals in the `ws101.server.handshakes` metric, with the code as `error.type`.\n\n");
        sb.Append(FromABrowser());
        sb.Append("## The codes\n\n");
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
            if (BrowserExamples.ConsoleLine(e.Code) is { } line)
            {
                sb.Append("\nIn a browser's console (Chromium):\n\n```text\n").Append(line).Append("\n```\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The "From a browser" section: how to take a console error and a HAR from Chromium and Firefox, and what
    /// <c>ws101 diagnose</c> prints for each, generated here from the examples so that the page shows the real output.
    /// </summary>
    private static string FromABrowser()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("## From a browser\n\n");
        sb.Append("A WebSocket that fails in a page leaves two things behind: a line in the developer tools' console, and, if you save\n");
        sb.Append("it, a HAR file (HTTP Archive) of the Network panel. `ws101 diagnose` reads both, and so does the playground's checker\n");
        sb.Append("(paste the line, or drop the `.har` file on it). It tells them apart by their content, not by a file name.\n\n");
        sb.Append("### Copy the console error\n\n");
        sb.Append("- **Chromium, Chrome, Edge:** open the developer tools (F12), Console. The failure is a red line that starts with\n");
        sb.Append("  `WebSocket connection to '...' failed:`. Right-click it, *Copy message* (or select it and copy).\n");
        sb.Append("- **Firefox:** developer tools (F12), Console; right-click the line *Firefox can’t establish a connection to the server\n");
        sb.Append("  at ...*, *Copy message*. Firefox prints that same line whatever went wrong, so save a HAR too (below): its HAR has\n");
        sb.Append("  the whole response.\n\n");
        sb.Append("Then `ws101 diagnose` and paste it (end with Ctrl+D), or `ws101 diagnose console.txt`. Several lines, stack lines and\n");
        sb.Append("source links included, are fine: each WebSocket error is explained once. The report says what the browser saw,\n");
        sb.Append("the problem code it points to with its usual causes and fix, and the `ws101 probe URL` to run next, with the URL\n");
        sb.Append("taken from the message: Chromium shows only the status code of a refused upgrade, and `ws101 probe` shows the whole\n");
        sb.Append("response.\n\n");
        sb.Append("```text\n$ ws101 diagnose\n").Append(BrowserExamples.NarrativeConsoleLine).Append("\n^D\n")
            .Append(BrowserExamples.DiagnoseConsole(BrowserExamples.NarrativeConsoleLine)).Append("```\n\n");
        sb.Append("Firefox's line names no cause, and the report says so rather than guess:\n\n");
        sb.Append("```text\n$ ws101 diagnose\n").Append(BrowserExamples.FirefoxLine).Append("\n^D\n")
            .Append(BrowserExamples.DiagnoseConsole(BrowserExamples.FirefoxLine)).Append("```\n\n");
        sb.Append("Each code below shows the Chromium line that points to it, where a browser can show it.\n\n");
        sb.Append("### Save a HAR\n\n");
        sb.Append("- **Chromium, Chrome, Edge:** developer tools, Network, *before* the page opens its WebSocket (tick *Preserve log*\n");
        sb.Append("  if the page reloads). Reproduce the failure, then the download arrow (*Export HAR*) or right-click a request, *Save\n");
        sb.Append("  all as HAR*. Chromium's HAR has the frames of each WebSocket (`_webSocketMessages`) and, for a failed upgrade, the\n");
        sb.Append("  browser's error text, but not the refused response's headers.\n");
        sb.Append("- **Firefox:** developer tools, Network, reproduce, then right-click a request, *Save All As HAR*. Firefox records the\n");
        sb.Append("  whole response of a failed upgrade (so `ws101 diagnose` can name, say, a SHA-256 accept), writes no frames, and may\n");
        sb.Append("  list a `wss://` upgrade under its `https://` URL.\n\n");
        sb.Append("`ws101 diagnose capture.har` reads the file as a stream, in bounded memory whatever its size (up to 512 MiB), keeps\n");
        sb.Append("only what a diagnosis needs, and finds the WebSocket upgrades by their request (an `Upgrade: websocket` or\n");
        sb.Append("`Sec-WebSocket-*` header, an HTTP/2 extended CONNECT, or a ws:// URL). It prints one line per upgrade with its verdict\n");
        sb.Append("and a summary of its frames (messages and bytes each way, the close code and reason when recorded, the time of the\n");
        sb.Append("last frame), then the failed ones in detail. An upgrade over HTTP/2 (`httpVersion` `h2`) is an RFC 8441 extended\n");
        sb.Append("CONNECT: valid with a 200 and no `Sec-WebSocket-Accept`. A HAR holds cookies and tokens: the values of `Cookie`,\n");
        sb.Append("`Set-Cookie`, `Authorization` and `Proxy-Authorization`, and of query parameters named like a token or a key, are\n");
        sb.Append("never printed, and the playground sends only the WebSocket entries, without those values or any payload.\n\n");
        sb.Append("```text\n$ ws101 diagnose capture.har\n").Append(BrowserExamples.DiagnoseHar()).Append("```\n\n");
        return sb.ToString();
    }
}
