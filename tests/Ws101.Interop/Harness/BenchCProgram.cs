namespace Ws101.Interop.Harness;

/// <summary>
/// Builds one of the bench's C programs (bench/server/tlsload.c, bench/server/floor.c) the way the bench does, with
/// warnings as errors, so that a test runs exactly the source the bench runs. test.sh installs gcc and libssl-dev.
/// </summary>
public static class BenchCProgram
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Compiles <paramref name="source"/> (relative to the repository root) into <paramref name="output"/>, linked with
    /// <paramref name="libraries"/>; fails the test, naming the missing package, when gcc or the OpenSSL headers are not
    /// installed, and with gcc's diagnostics when the source does not build.
    /// </summary>
    public static async Task CompileAsync(string source, string output, CancellationToken cancellationToken, params string[] libraries)
    {
        string? gcc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
        string name = Path.GetFileName(source);
        Assert.True(gcc is not null, $"gcc is not installed: {name} cannot be built (Debian: apt-get install gcc; ./test.sh installs it)");
        Assert.True(File.Exists("/usr/include/openssl/ssl.h"), $"the OpenSSL headers are not installed: {name} cannot be built (Debian: apt-get install libssl-dev; ./test.sh installs it)");
        string[] arguments = ["-O2", "-Wall", "-Wextra", "-Werror", "-o", output, Path.Combine(PeerEnvironment.RepositoryRoot, source), .. libraries];
        await using var build = PeerProcess.Start($"gcc {name}", gcc!, arguments, BuildLimit);
        int code = await build.WaitForExitAsync(BuildLimit, cancellationToken);
        Assert.True(code == 0, $"compiling {name} failed ({code})\n{build.Diagnostics()}");
    }
}
