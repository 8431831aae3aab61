namespace Ws101.Interop.Harness;

/// <summary>
/// Runs one of the bench's Python table scripts (bench/server/paired.py, bench/server/ratios.py) as the bench does, on
/// results a test wrote, and gives back what it printed; a script that fails fails the test with its output.
/// </summary>
public static class BenchPythonScript
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="script"/> (relative to the repository root) with <paramref name="arguments"/>; returns its standard output's lines.</summary>
    public static async Task<string[]> RunAsync(string script, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        string name = Path.GetFileName(script);
        await using var run = PeerProcess.Start(name, PeerEnvironment.Python, [Path.Combine(PeerEnvironment.RepositoryRoot, script), .. arguments], RunLimit);
        int code = await run.WaitForExitAsync(RunLimit, cancellationToken);
        Assert.True(code == 0, $"{name} failed ({code})\n{run.Diagnostics()}");
        return [.. run.StdoutLines];
    }
}
