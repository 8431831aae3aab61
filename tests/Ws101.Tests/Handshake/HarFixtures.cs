namespace Ws101.Tests.Handshake;

/// <summary>
/// The HAR files in tests/Ws101.Tests/Handshake/Fixtures: chromium-*.har were recorded by headless Chromium through
/// Playwright against our server and the broken test servers (tests/Ws101.Interop/Cli/HarRecordingTests.cs records
/// them again); firefox-*.har and devtools-sensitive.har are built by hand in the shapes Firefox and DevTools' "with
/// sensitive data" export write, with made-up secrets that must never be printed.
/// </summary>
internal static class HarFixtures
{
    /// <summary>The made-up secrets in the hand-built fixtures: output that holds one of them leaks.</summary>
    public static readonly string[] Secrets =
        ["ws101-fixture-cookie-c0ffee", "ws101-fixture-set-cookie-beef", "ws101-fixture-token-d00d", "ws101-fixture-query-token-f00d"];

    public static string Path(string name)
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(root, "Ws101.sln")))
        {
            root = System.IO.Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        return System.IO.Path.Combine(root, "tests", "Ws101.Tests", "Handshake", "Fixtures", name);
    }

    public static IEnumerable<string> All() => Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(Path("x"))!, "*.har").Order(StringComparer.Ordinal);
}
