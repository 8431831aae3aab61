using Ws101.Cli;

namespace Ws101.Tests.Cli;

/// <summary>
/// Runs the ws101 tool with captured output: in-process by default; as a separate process when WS101_CLI names an
/// executable (the Native AOT binary: scripts/aot-cli-tests.sh runs the CLI tests against it).
/// </summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error);

    /// <summary>The executable named by WS101_CLI, or null to run in-process.</summary>
    public static string? Executable => Environment.GetEnvironmentVariable("WS101_CLI") is { Length: > 0 } path ? path : null;

    private static readonly TimeSpan ProcessLimit = TimeSpan.FromMinutes(2);

    public static Result Run(string? stdin, params string[] args)
    {
        if (Executable is { } executable)
        {
            return RunProcess(executable, stdin, args);
        }
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Ws101Command.Run(args, output, error, new StringReader(stdin ?? ""));
        return new Result(code, output.ToString(), error.ToString());
    }

    private static Result RunProcess(string executable, string? stdin, string[] args)
    {
        var (code, output, error) = CliProcess.RunAsync(executable, args, stdin ?? "", ProcessLimit, CancellationToken.None).GetAwaiter().GetResult();
        return new Result(code, output, error);
    }
}
