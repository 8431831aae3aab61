using Ws101.Cli;
using Ws101.Tests.Cli;

namespace Ws101.Interop.Harness;

/// <summary>Where the real <c>ws101</c> CLI is, to run it as a separate process: <c>dotnet</c> and Ws101.Cli.dll as the build left them.</summary>
public static class CliProgram
{
    /// <summary>The <c>dotnet</c> that runs this test (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// How to start <c>ws101</c> with <paramref name="arguments"/>: the executable WS101_CLI names (the Native AOT binary;
    /// scripts/aot-cli-tests.sh runs the CLI tests against it), else <c>dotnet</c> with the built Ws101.Cli.dll.
    /// </summary>
    public static (string FileName, string[] Arguments) Command(params string[] arguments) =>
        Environment.GetEnvironmentVariable("WS101_CLI") is { Length: > 0 } executable
            ? (executable, arguments)
            : (DotnetHost(), [Assembly(), .. arguments]);

    /// <summary>The same as one shell command line, each word quoted for a POSIX shell.</summary>
    public static string ShellCommand(params string[] arguments)
    {
        var (file, args) = Command(arguments);
        return string.Join(' ', new[] { file }.Concat(args).Select(w => "'" + w.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
    }

    /// <summary>
    /// The CLI as the build left it, in its own output directory (src/Ws101.Cli/bin/CONFIGURATION/TFM, the same
    /// configuration and framework as this assembly): the copy beside this assembly lacks the CLI's own packages
    /// (Microsoft.Extensions.Logging.Abstractions, which <c>serve</c> loads), since this project gets them elsewhere.
    /// </summary>
    public static string Assembly()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(PeerEnvironment.RepositoryRoot, "src", "Ws101.Cli", "bin", here.Parent!.Name, here.Name, "Ws101.Cli.dll");
        Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"the built CLI is not at {path}");
        return path;
    }

    /// <summary>
    /// Runs <c>ws101</c> with <paramref name="arguments"/> and <paramref name="stdin"/>, within <paramref name="limit"/>:
    /// in-process on a pool thread, or as the executable WS101_CLI names (then it is killed at the limit).
    /// </summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string[] arguments, string stdin, TimeSpan limit, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("WS101_CLI") is not { Length: > 0 } executable)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = await Task.Run(() => Ws101Command.Run(arguments, output, error, new StringReader(stdin)), cancellationToken).WaitAsync(limit, cancellationToken);
            return (code, output.ToString(), error.ToString());
        }
        return await CliProcess.RunAsync(executable, arguments, stdin, limit, cancellationToken);
    }
}
