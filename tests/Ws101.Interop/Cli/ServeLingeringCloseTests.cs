using Ws101.Interop.Harness;

namespace Ws101.Interop.Cli;

/// <summary>
/// Python's urllib posting 2 MiB to <c>/api/diagnose</c> of the real <c>ws101 serve</c>: urllib sends the whole request
/// before it reads the answer, and the server answers 413 after the head. Before the server drained what kept arriving
/// (lingering close), its close reset the connection under the answer and urllib reported a broken pipe about one time
/// in two (one in ten on a loaded machine), so the test asks twenty times.
/// </summary>
public sealed class ServeLingeringCloseTests
{
    private const int Attempts = 20;

    [Fact]
    public async Task python_urllib_posting_2_MiB_to_api_diagnose_reads_the_413_every_time()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (file, args) = CliProgram.Command("serve", "--port", "0", "--quiet");
        await using PeerProcess serve = PeerProcess.Start("ws101 serve", file, args,
            lifetime: TimeSpan.FromSeconds(240));
        string banner = await serve.WaitForLineAsync(l => l.StartsWith("ws101 serve: ws://127.0.0.1:", StringComparison.Ordinal), "the listening banner", cancellationToken: cancel);
        int port = new Uri(banner.Split(' ')[2]).Port;

        await using PeerProcess urllib = PeerProcess.Start("python urllib", PeerEnvironment.Python,
            [Path.Combine(PeerEnvironment.PythonPeerDirectory, "post_large_body.py"), $"http://127.0.0.1:{port}/api/diagnose", (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            lifetime: TimeSpan.FromSeconds(200));
        Assert.Equal(0, await urllib.WaitForExitAsync(TimeSpan.FromSeconds(200), cancel));

        Assert.Equal(Enumerable.Repeat("413", Attempts), urllib.StdoutLines);
        Assert.False(serve.HasExited, serve.Diagnostics());
    }
}
