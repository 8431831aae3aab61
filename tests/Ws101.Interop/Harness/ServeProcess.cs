using System.Globalization;
using System.Text.RegularExpressions;

namespace Ws101.Interop.Harness;

/// <summary>
/// <c>ws101 serve</c> as its own process (the built CLI run by dotnet) on 127.0.0.1 and a port the OS picks, so that a
/// test can read its memory and CPU from /proc by pid, apart from the test's own.
/// </summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private ServeProcess(PeerProcess process, int port, string scheme)
    {
        Process = process;
        Port = port;
        _scheme = scheme;
    }

    private readonly string _scheme;

    /// <summary>The running server.</summary>
    public PeerProcess Process { get; }

    /// <summary>Its process id.</summary>
    public int Pid => Process.Id;

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>Starts <c>ws101 serve --port 0 --quiet</c> with <paramref name="arguments"/> and waits for its listening line.</summary>
    public static async Task<ServeProcess> StartAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var (file, args) = CliProgram.Command(["serve", "--port", "0", "--quiet", .. arguments]);
        var process = PeerProcess.Start("ws101 serve", file, args);
        try
        {
            string line = await process.WaitForLineAsync(l => ListeningLine().IsMatch(l), "its listening line", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            var match = ListeningLine().Match(line);
            return new ServeProcess(process, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), match.Groups[1].Value);
        }
        catch
        {
            process.Kill();
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The URL of <paramref name="path"/> on this server (wss:// when it serves TLS).</summary>
    public Uri Url(string path) => new($"{_scheme}://127.0.0.1:{Port}{path}");

    /// <summary>Stops the server (it does not watch its stdin, so it is killed).</summary>
    public async ValueTask DisposeAsync()
    {
        Process.Kill();
        await Process.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex(@"^ws101 serve: (wss?)://127\.0\.0\.1:(\d+)/echo")]
    private static partial Regex ListeningLine();
}
