using System.IO.Compression;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Packaging;

/// <summary>
/// The library and the tool as a user receives them: packed with <c>dotnet pack</c>, the tool installed from the
/// produced folder into a temporary directory, and run from there.
/// </summary>
public sealed class PackageTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"ws101-pack-{Guid.NewGuid():N}");

    private static string RepositoryRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Ws101.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        return dir;
    }

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private static async Task<PeerProcess> RunAsync(string name, string file, params string[] args)
    {
        var process = PeerProcess.Start(name, file, args, TimeSpan.FromMinutes(6));
        int code = await process.WaitForExitAsync(TimeSpan.FromMinutes(6), TestContext.Current.CancellationToken);
        Assert.True(code == 0, $"{name} exited with {code}\n{process.Diagnostics()}");
        return process;
    }

    [Fact]
    public async Task the_packed_tool_installs_from_the_local_folder_and_computes_an_accept_value()
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(_work, "feed");
        string tools = Path.Combine(_work, "tools");
        await using (await RunAsync("pack", "dotnet", "pack", Path.Combine(root, "src", "Ws101.Cli"), "-c", "Release", "-o", feed, "--nologo"))
        {
        }
        var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).ToList();
        Assert.Contains(packages, p => p!.StartsWith("Ws101.Tool.", StringComparison.Ordinal));
        await using (await RunAsync("tool install", "dotnet", "tool", "install", "--tool-path", tools, "--add-source", feed, "Ws101.Tool"))
        {
        }
        await using var accept = await RunAsync("ws101 accept", Path.Combine(tools, "ws101"), "accept", "dGhlIHNhbXBsZSBub25jZQ==");
        Assert.Contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept.StdoutLines);
    }

    [Fact]
    public async Task the_library_package_carries_xml_docs_the_readme_symbols_and_its_metadata()
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(_work, "lib");
        await using (await RunAsync("pack", "dotnet", "pack", Path.Combine(root, "src", "Ws101"), "-c", "Release", "-o", feed, "--nologo"))
        {
        }
        string nupkg = Directory.GetFiles(feed, "Ws101.*.nupkg").Single(f => !f.EndsWith(".snupkg", StringComparison.Ordinal));
        Assert.True(Directory.GetFiles(feed, "Ws101.*.snupkg").Length == 1, "no symbol package was produced");
        using var zip = ZipFile.OpenRead(nupkg);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/Ws101.dll", names);
        Assert.Contains("lib/net10.0/Ws101.xml", names);
        Assert.Contains("README.md", names);
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var reader = new StreamReader(nuspecEntry.Open());
        string nuspec = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<id>Ws101</id>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<tags>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<description>", nuspec, StringComparison.Ordinal);
    }
}
