using Ws101.Interop.Harness;

namespace Ws101.Interop.Packaging;

/// <summary>
/// The library is AOT-safe for users: samples/AotSample (a server with permessage-deflate and topics, our client) is
/// published with Native AOT for linux-x64 with no trim or AOT warning, and the native binary passes its own checks.
/// The publish compiles the whole app natively: about a minute on an idle machine, more on a busy one.
/// </summary>
public sealed class AotSampleTests : IAsyncLifetime
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), $"ws101-aot-{Guid.NewGuid():N}");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_output, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task the_sample_publishes_with_native_aot_without_warnings_and_its_binary_serves_echoes_compresses_and_fans_out()
    {
        var cancel = TestContext.Current.CancellationToken;
        string project = Path.Combine(PeerEnvironment.RepositoryRoot, "samples", "AotSample", "AotSample.csproj");
        await using var publish = PeerProcess.Start("dotnet publish (AOT)", CliProgram.DotnetHost(),
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", _output, "--nologo", "-clp:NoSummary"],
            TimeSpan.FromMinutes(12));
        int code = await publish.WaitForExitAsync(TimeSpan.FromMinutes(12), cancel);
        Assert.True(code == 0, $"the AOT publish failed ({code})\n{publish.Diagnostics()}");
        // IL2xxx are trimming warnings, IL3xxx AOT warnings; the build treats the rest as errors already.
        Assert.DoesNotContain(publish.StdoutLines, l => l.Contains("warning IL", StringComparison.Ordinal));
        string binary = Path.Combine(_output, "AotSample");
        Assert.True(File.Exists(binary), $"no native binary at {binary}");
        Assert.False(File.Exists(Path.Combine(_output, "AotSample.dll")), "the output holds IL assemblies: it was not a Native AOT publish");

        await using var run = PeerProcess.Start("AotSample", binary, [], TimeSpan.FromMinutes(1));
        int exit = await run.WaitForExitAsync(TimeSpan.FromMinutes(1), cancel);

        Assert.True(exit == 0, $"the native sample failed ({exit})\n{run.Diagnostics()}");
        Assert.Contains("aot-sample: ok (native: True)", run.StdoutLines);
    }
}
