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
}
