using Ws101.Interop.Harness;

namespace Ws101.Interop.Templates;

/// <summary>
/// Ws101, Ws101.AspNetCore and Ws101.Templates packed from this checkout into a temporary feed, and the template package
/// installed from it into a template hive of its own (<c>--debug:custom-hive</c>), once for every test of a class.
/// Projects made from the templates restore Ws101 from that feed only (package source mapping) and everything else from
/// NuGet, into a packages folder of their own, so that no Ws101 0.1.0 cached by an earlier build is ever used.
/// </summary>
public sealed class TemplatePackages : IAsyncLifetime
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(4);

    /// <summary>The temporary folder everything lives in.</summary>
    public string Work { get; } = Path.Combine(Path.GetTempPath(), $"ws101-templates-{Guid.NewGuid():N}");

    /// <summary>The feed with the three packages.</summary>
    public string Feed => Path.Combine(Work, "feed");

    /// <summary>The template hive the package is installed into.</summary>
    public string Hive => Path.Combine(Work, "hive");

    /// <summary>Where projects are made; its nuget.config maps Ws101* to <see cref="Feed"/>.</summary>
    public string Projects => Path.Combine(Work, "projects");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Projects);
        string root = PeerEnvironment.RepositoryRoot;
        foreach (string project in new[] { "src/Ws101", "src/Ws101.AspNetCore", "templates/Ws101.Templates.csproj" })
        {
            await RunAsync("dotnet pack " + project, "pack", Path.Combine(root, project), "-c", "Release", "-o", Feed, "--nologo").ConfigureAwait(false);
        }
        await RunAsync("dotnet new install", "new", "install", Path.Combine(Feed, "Ws101.Templates.0.1.0.nupkg"), "--debug:custom-hive", Hive).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(Projects, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="Ws101" /><package pattern="Ws101.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
              <config><add key="globalPackagesFolder" value="{Path.Combine(Work, "packages")}" /></config>
            </configuration>
            """).ConfigureAwait(false);
    }

    /// <summary>Makes a project from <paramref name="template"/> named <paramref name="name"/> and builds it; returns its folder.</summary>
    public async Task<string> CreateAndBuildAsync(string template, string name)
    {
        string folder = Path.Combine(Projects, name);
        await RunAsync($"dotnet new {template}", "new", template, "-n", name, "-o", folder, "--debug:custom-hive", Hive).ConfigureAwait(false);
        await RunAsync($"dotnet build {name}", "build", folder, "-c", "Release", "--nologo").ConfigureAwait(false);
        return folder;
    }

    /// <summary>Runs <c>dotnet ARGS</c> in <see cref="Projects"/> and fails the test with its output unless it exits 0.</summary>
    public async Task RunAsync(string what, params string[] arguments)
    {
        await using var process = PeerProcess.Start(what, CliProgram.DotnetHost(), arguments, StepLimit, Projects,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        int code = await process.WaitForExitAsync(StepLimit).ConfigureAwait(false);
        Assert.True(code == 0, $"{what} exited with {code}{Environment.NewLine}{process.Diagnostics()}");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
