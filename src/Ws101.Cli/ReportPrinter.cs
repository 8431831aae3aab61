using Ws101.Handshake;

namespace Ws101.Cli;

/// <summary>Renders a <see cref="HandshakeReport"/> for a person: the transcript annotated line by line, then each problem in full.</summary>
internal static class ReportPrinter
{
    public static void Print(HandshakeReport report, TextWriter output)
    {
        output.WriteLine($"Handshake: {report.Kind}");
        output.WriteLine();
        PrintHead(output, "request", report.Transcript.RequestText, report.Problems.Where(p => p.Part == HandshakePart.Request).Select(p => p.Problem).ToList());
        PrintHead(output, "response", report.Transcript.ResponseText, report.Problems.Where(p => p.Part == HandshakePart.Response).Select(p => p.Problem).ToList());
        if (report.ExpectedAccept is not null)
        {
            output.WriteLine($"Expected Sec-WebSocket-Accept for the request's key: {report.ExpectedAccept}");
        }
        foreach (var note in report.Notes)
        {
            output.WriteLine($"note: {note}");
        }
        output.WriteLine();
        if (report.IsValid)
        {
            output.WriteLine("OK: the handshake is valid.");
            if (report.Subprotocol is not null)
            {
                output.WriteLine($"Subprotocol: {report.Subprotocol}");
            }
            if (report.Extensions.Count > 0)
            {
                output.WriteLine($"Extensions: {WebSocketExtension.Format(report.Extensions)}");
            }
            return;
        }
        if (report.Problems.Count == 0)
        {
            output.WriteLine("Nothing to check.");
            return;
        }
        PrintProblems(output, report.Problems);
    }

    /// <summary>
    /// The problems of a client's failed handshake, each placed in the head it concerns: a connection or TLS that failed
    /// before anything was answered is the request's side (nothing came back to blame); the rest are about the response.
    /// </summary>
    public static IReadOnlyList<DiagnosedProblem> ClientProblems(WebSocketHandshakeException failure) =>
        failure.Problems.Select(p => new DiagnosedProblem(
            p.Code is HandshakeProblemCode.ConnectionFailed or HandshakeProblemCode.TlsFailed ? HandshakePart.Request : HandshakePart.Response, p)).ToList();

    /// <summary>Prints each problem in full: title, where, explanation, expected and received, evidence, fix, rule.</summary>
    public static void PrintProblems(TextWriter output, IReadOnlyList<DiagnosedProblem> problems)
    {
        output.WriteLine(problems.Count == 1 ? "1 problem:" : $"{problems.Count} problems:");
        int i = 0;
        foreach (var (part, p) in problems)
        {
            i++;
            output.WriteLine();
            string partName = part.ToString().ToLowerInvariant();
            string where = p.Line is int line ? $"{partName} line {line}" : partName;
            output.WriteLine($"{i}. [{p.Id}] {HandshakeProblemCatalog.Get(p.Code).Title} ({where}{(p.Subject is null ? "" : ", " + p.Subject)})");
            output.WriteLine($"   {p.Explanation}");
            if (p.Expected is not null)
            {
                output.WriteLine($"   expected: {p.Expected}");
            }
            if (p.Actual is not null)
            {
                output.WriteLine($"   received: {p.Actual}");
            }
            if (p.Evidence is not null)
            {
                output.WriteLine($"   evidence: {p.Evidence}");
            }
            output.WriteLine($"   fix:      {p.Fix}");
            output.WriteLine($"   rule:     {p.Rule}");
        }
    }

    /// <summary>Prints a head line by line with the problems marked beside their lines.</summary>
    public static void PrintHead(TextWriter output, string name, string? text, IReadOnlyList<HandshakeProblem> problems) => PrintHeadCore(output, name, text, problems.ToList());

    private static void PrintHeadCore(TextWriter output, string name, string? text, List<HandshakeProblem> problems)
    {
        if (text is null)
        {
            return;
        }
        output.WriteLine($"{char.ToUpperInvariant(name[0])}{name[1..]}:");
        var lines = text.Split("\r\n");
        for (int n = 1; n <= lines.Length; n++)
        {
            string line = lines[n - 1];
            if (line.Length == 0 && n >= lines.Length - 1)
            {
                continue;
            }
            var atLine = problems.Where(p => p.Line == n).Select(p => p.Id).ToList();
            string mark = atLine.Count > 0 ? "x" : " ";
            string suffix = atLine.Count > 0 ? "   <-- " + string.Join(", ", atLine) : "";
            output.WriteLine($" {mark} {n,2} | {HandshakeProblem.Visible(line)}{suffix}");
        }
        var unplaced = problems.Where(p => p.Line is null).Select(p => p.Id).ToList();
        if (unplaced.Count > 0)
        {
            output.WriteLine($" x    | (missing) <-- {string.Join(", ", unplaced)}");
        }
        output.WriteLine();
    }

    /// <summary>Prints pasted browser console errors: for each, the browser's words, what it saw, the problem, and what to run next.</summary>
    public static void PrintConsole(BrowserConsoleReport report, TextWriter output)
    {
        int i = 0;
        foreach (var e in report.Errors)
        {
            i++;
            if (i > 1)
            {
                output.WriteLine();
            }
            output.WriteLine(report.Errors.Count == 1 ? $"Browser console error ({e.Browser})" : $"Browser console error {i} of {report.Errors.Count} ({e.Browser})");
            if (e.Url is not null)
            {
                output.WriteLine($"  URL:     {e.Url}");
            }
            output.WriteLine($"  Message: {e.Message}");
            output.WriteLine();
            output.WriteLine($"What the browser saw: {e.Saw}");
            output.WriteLine();
            if (e.Problem is { } p)
            {
                PrintProblems(output, [new DiagnosedProblem(HandshakePart.Response, p)]);
                output.WriteLine();
            }
            output.WriteLine($"Next: {e.NextStep}");
        }
    }

    /// <summary>Prints a HAR's diagnosis: one line per WebSocket upgrade, then the details of each failed one.</summary>
    public static void PrintHar(HarReport report, string source, TextWriter output)
    {
        output.WriteLine($"HAR {source}: {report.TotalEntries} {Plural(report.TotalEntries, "entry", "entries")}, " +
            $"{report.WebSockets} WebSocket {Plural(report.WebSockets, "upgrade", "upgrades")}, {report.Failed} failed (recorded by {report.RecordedBy})");
        if (report.WebSockets == 0)
        {
            output.WriteLine();
            output.WriteLine("No entry is a WebSocket upgrade (a request with Upgrade: websocket or Sec-WebSocket-* headers, an extended CONNECT, or a ws:// URL).");
            output.WriteLine("Save the HAR while the page opens its WebSocket, with the Network panel open from the start (see docs/handshake-problems.md, \"From a browser\").");
            return;
        }
        output.WriteLine();
        int urlWidth = Math.Min(60, report.Upgrades.Max(u => u.Url.Length));
        foreach (var u in report.Upgrades)
        {
            string status = u.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
            output.WriteLine($"  #{u.Index,-4} {Clip(u.Url, 60).PadRight(urlWidth)}  {u.HttpVersion,-8} {status,-3}  {u.Summary}");
            if (u.Messages is { } m)
            {
                output.WriteLine($"  {"",-5} {"",-1}frames: {Frames(m)}");
            }
        }
        if (report.WebSockets > report.Upgrades.Count)
        {
            output.WriteLine($"  … and {report.WebSockets - report.Upgrades.Count} more upgrades, not listed.");
        }
        var failed = report.Upgrades.Where(u => !u.IsValid).ToList();
        if (failed.Count == 0)
        {
            output.WriteLine();
            output.WriteLine("OK: every WebSocket upgrade in the HAR is valid.");
            return;
        }
        output.WriteLine();
        output.WriteLine(failed.Count == 1 ? "The failed upgrade in detail:" : "The failed upgrades in detail:");
        foreach (var u in failed)
        {
            output.WriteLine();
            output.WriteLine($"── #{u.Index} {u.Url} ({u.HttpVersion}{(u.StartedDateTime is null ? "" : ", started " + u.StartedDateTime)}) ──");
            if (u.RequestText is null && u.ResponseText is null && u.Problems.Count > 0 && u.BrowserError is null)
            {
                output.WriteLine("(details not kept: only the first failures are shown in full)");
            }
            if (u.BrowserError is { } e)
            {
                output.WriteLine($"The browser ({e.Browser}) said: {e.Message}");
                output.WriteLine($"What it saw: {e.Saw}");
                output.WriteLine();
            }
            // A failure after the handshake belongs to no line of the heads.
            var inHeads = u.Problems.Where(p => p.Problem.Code != HandshakeProblemCode.ProtocolViolation).ToList();
            PrintHead(output, "request", u.RequestText, inHeads.Where(p => p.Part == HandshakePart.Request).Select(p => p.Problem).ToList());
            if (u.ResponseText is null)
            {
                output.WriteLine("Response: none recorded");
                output.WriteLine();
            }
            else
            {
                PrintHead(output, "response", u.ResponseText, inHeads.Where(p => p.Part == HandshakePart.Response).Select(p => p.Problem).ToList());
            }
            if (u.Messages is { } m)
            {
                output.WriteLine($"Frames: {Frames(m)}");
                output.WriteLine();
            }
            foreach (var note in u.Notes)
            {
                output.WriteLine($"note: {note}");
            }
            if (u.Problems.Count > 0)
            {
                PrintProblems(output, u.Problems);
                output.WriteLine();
            }
            output.WriteLine($"Next: Run `ws101 probe {u.ProbeUrl}`: it performs the same handshake and shows the whole response, annotated, with the cause.");
            if (u.MaskedHeaders.Count > 0)
            {
                output.WriteLine($"Masked: the values of {string.Join(", ", u.MaskedHeaders)} (never printed).");
            }
        }
    }

    /// <summary>A frames summary in one line: messages and bytes each way, the close, the errors, and when the last frame came.</summary>
    internal static string Frames(HarMessageSummary m)
    {
        var parts = new List<string>
        {
            $"{m.SentCount} sent ({Bytes(m.SentBytes)}), {m.ReceivedCount} received ({Bytes(m.ReceivedBytes)})",
        };
        parts.Add(m.CloseCode is int code
            ? $"close {code}{(string.IsNullOrEmpty(m.CloseReason) ? "" : $" \"{HandshakeProblem.Visible(m.CloseReason)}\"")} from the {(m.CloseDirection == "send" ? "browser" : "server")}"
            : "no close frame recorded");
        if (m.Errors.Count > 0)
        {
            parts.Add($"error: {m.Errors[^1]}");
        }
        if (m.LastTime is double last)
        {
            parts.Add($"last frame {HarReport.FormatTime(last)}");
        }
        return string.Join(", ", parts);
    }

    private static string Bytes(long n) => n < 1024 ? $"{n} B" : n < 1024 * 1024 ? $"{n / 1024.0:0.#} KiB" : $"{n / (1024.0 * 1024):0.#} MiB";

    private static string Plural(int n, string one, string many) => n == 1 ? one : many;

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
