using Ws101.Cli;

namespace Ws101.Tests.Cli;

/// <summary>Runs the ws101 tool in-process with captured output.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static Result Run(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Ws101Command.Run(args, output, error, new StringReader(stdin ?? ""));
        return new Result(code, output.ToString(), error.ToString());
    }
}
