namespace Ws101.Interop.Harness;

/// <summary>Where the real <c>ws101</c> CLI is, to run it as a separate process: <c>dotnet</c> and Ws101.Cli.dll as the build left them.</summary>
public static class CliProgram
{
    /// <summary>The <c>dotnet</c> that runs this test (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

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
}
