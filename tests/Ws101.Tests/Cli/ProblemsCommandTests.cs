using Ws101.Handshake;

namespace Ws101.Tests.Cli;

public class ProblemsCommandTests
{
    [Fact]
    public void the_troubleshooting_reference_in_docs_is_the_catalog_as_generated()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Ws101.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        string onDisk = File.ReadAllText(Path.Combine(root, "docs", "handshake-problems.md"));
        var r = CliRunner.Run(null, "problems", "--markdown");
        Assert.Equal(0, r.ExitCode);
        // Regenerate with: dotnet run --project src/Ws101.Cli -- problems --markdown > docs/handshake-problems.md
        Assert.Equal(r.Out, onDisk);
        foreach (var entry in HandshakeProblemCatalog.All)
        {
            Assert.Contains($"## {entry.Id}", onDisk, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void shows_one_code_and_refuses_an_unknown_one()
    {
        var r = CliRunner.Run(null, "problems", "accept-mismatch");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("accept-mismatch", r.Out, StringComparison.Ordinal);
        Assert.Contains("fix:", r.Out, StringComparison.Ordinal);
        var bad = CliRunner.Run(null, "problems", "no-such-code");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("no problem code", bad.Error, StringComparison.Ordinal);
    }
}

public class ProblemExamplesTests
{
    public static TheoryData<string> Codes() => [.. HandshakeProblemCatalog.All.Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(Codes))]
    public void every_example_in_the_reference_is_diagnosed_as_its_own_code(string id)
    {
        Assert.True(HandshakeProblemCatalog.TryGet(id, out var entry));
        string? example = Ws101.Cli.Commands.ProblemExamples.For(entry!.Code);
        if (example is null)
        {
            // Problems of a live connection (timeouts, refused connections, limits) have no transcript to show.
            Assert.NotEqual("a live connection", Ws101.Cli.Commands.ProblemExamples.SeenBy(entry.Code));
            return;
        }
        var report = HandshakeDiagnoser.Diagnose(example);
        Assert.Contains(report.Problems, p => p.Problem.Id == id);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void every_console_line_in_the_reference_is_diagnosed_as_its_own_code(string id)
    {
        Assert.True(HandshakeProblemCatalog.TryGet(id, out var entry));
        if (Ws101.Cli.Commands.BrowserExamples.ConsoleLine(entry!.Code) is not { } line)
        {
            return;
        }
        var error = Assert.Single(BrowserErrors.Find(line));
        Assert.Equal(id, error.Problem?.Id);
        var r = CliRunner.Run(line, "diagnose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"[{id}]", r.Out, StringComparison.Ordinal);
    }
}
