namespace Ws101.Interop.Harness;

/// <summary>The built <c>ws101</c> tool, to run as its own process.</summary>
public static class CliBuild
{
    /// <summary>The <c>dotnet</c> that runs this test (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// The CLI as the build left it, in its own output directory (src/Ws101.Cli/bin/CONFIGURATION/TFM, the same
    /// configuration and framework as this assembly): the copy beside this assembly lacks the CLI's own packages
    /// (Microsoft.Extensions.Logging.Abstractions, which <c>serve</c> loads), since this project gets them elsewhere.
    /// </summary>
    public static string Assembly
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string path = Path.Combine(PeerEnvironment.RepositoryRoot, "src", "Ws101.Cli", "bin", here.Parent!.Name, here.Name, "Ws101.Cli.dll");
            Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"the built CLI is not at {path}");
            return path;
        }
    }
}
