using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ws101.Interop.Harness;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright: each <see cref="RunClientAsync"/> opens a page
/// and runs the script through the browser's own <c>WebSocket</c>. Launch once per test class
/// (see <see cref="ChromiumFixture"/>); runs on one instance may follow each other or overlap.
/// A browser cannot ping or send fragmented messages: such steps fail the run with a clear error.
/// </summary>
public sealed class ChromiumPeer : IPeerClient, IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowserContext _context;
    private readonly ChromiumPageHost _host;
    private readonly DirectoryInfo _profile;

    private ChromiumPeer(IPlaywright playwright, IBrowserContext context, ChromiumPageHost host, DirectoryInfo profile, string version, IReadOnlyList<string> arguments)
    {
        _playwright = playwright;
        _context = context;
        _host = host;
        _profile = profile;
        Version = version;
        Arguments = arguments;
    }

    /// <inheritdoc/>
    public string Name => "chromium";

    /// <summary>The browser's version, as it reports it.</summary>
    public string Version { get; }

    /// <summary>The flags it was started with (besides Playwright's own).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The harness page every run starts from (http://127.0.0.1:PORT/): the Origin the browser sends.</summary>
    public Uri PageUrl => _host.PageUrl;

    /// <summary>Starts Chromium headless with a fresh profile folder.</summary>
    public static async Task<ChromiumPeer> LaunchAsync(ChromiumOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ChromiumOptions();
        string executable = options.ExecutablePath ?? PeerEnvironment.Chromium;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium is not installed at {executable}: run scripts/install-test-deps.sh (it installs Debian's chromium), or set WS101_CHROMIUM.");
        }
        List<string> arguments = [.. ChromiumOptions.StandardArguments, .. options.ExtraArguments];
        if (options.IgnoreCertificateErrors)
        {
            arguments.Add("--ignore-certificate-errors");
        }
        if (options.TrustedCertificates.Count > 0)
        {
            arguments.Add("--ignore-certificate-errors-spki-list=" + string.Join(',', options.TrustedCertificates.Select(c => c.SpkiSha256Base64)));
        }
        DirectoryInfo profile = Directory.CreateTempSubdirectory("ws101-chromium-");
        ChromiumPageHost? host = null;
        IPlaywright? playwright = null;
        try
        {
            host = await ChromiumPageHost.StartAsync(cancellationToken).ConfigureAwait(false);
            playwright = await Playwright.CreateAsync().WaitAsync(options.LaunchTimeout, cancellationToken).ConfigureAwait(false);
            IBrowserContext context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = arguments,
                Timeout = (float)options.LaunchTimeout.TotalMilliseconds,
                ChromiumSandbox = false,
            }).WaitAsync(options.LaunchTimeout + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            string version = context.Browser?.Version ?? "unknown";
            return new ChromiumPeer(playwright, context, host, profile, version, arguments);
        }
        catch
        {
            playwright?.Dispose();
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
            DeleteQuietly(profile);
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<PeerTranscript> RunClientAsync(Uri url, PeerScript script, CancellationToken cancellationToken = default) =>
        (await RunAsync(_host.PageUrl, url, script, recordHandshakes: false, cancellationToken).ConfigureAwait(false)).Transcript;

    /// <summary>
    /// Runs <paramref name="script"/> from the harness page as served by <paramref name="pageUrl"/> (a server of the test's,
    /// so that the page and the WebSocket share an origin, and an HTTP/2 connection when it offers one), and records what
    /// Chromium itself reports about each WebSocket handshake through the DevTools protocol
    /// (<c>Network.webSocketHandshakeResponseReceived</c>) and which protocol loaded the page (<c>nextHopProtocol</c>).
    /// </summary>
    public Task<ChromiumWebSocketRecord> RunClientFromPageAsync(Uri pageUrl, Uri url, PeerScript script, CancellationToken cancellationToken = default) =>
        RunAsync(pageUrl, url, script, recordHandshakes: true, cancellationToken);

    private async Task<ChromiumWebSocketRecord> RunAsync(Uri pageUrl, Uri url, PeerScript script, bool recordHandshakes, CancellationToken cancellationToken)
    {
        var console = new List<string>();
        var handshakes = new List<JsonElement>();
        IPage page = await _context.NewPageAsync().WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        if (recordHandshakes)
        {
            ICDPSession cdp = await _context.NewCDPSessionAsync(page).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
            cdp.Event("Network.webSocketHandshakeResponseReceived").OnEvent += (_, e) =>
            {
                if (e is { } json)
                {
                    lock (handshakes)
                    {
                        handshakes.Add(json.Clone());
                    }
                }
            };
            await cdp.SendAsync("Network.enable").WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        }
        page.Console += (_, message) =>
        {
            lock (console)
            {
                console.Add($"console.{message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) =>
        {
            lock (console)
            {
                console.Add($"page error: {error}");
            }
        };
        try
        {
            await page.GotoAsync(pageUrl.AbsoluteUri, new PageGotoOptions { Timeout = (float)PeerTimeouts.Step.TotalMilliseconds }).ConfigureAwait(false);
            string pageProtocol = await page.EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? ''")
                .WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
            TimeSpan bound = script.RunTimeout + TimeSpan.FromSeconds(5);
            string json;
            try
            {
                json = await page.EvaluateAsync<string>("([url, config]) => ws101Run(url, config)", new object[] { url.AbsoluteUri, script.ToJson() })
                    .WaitAsync(bound, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return new ChromiumWebSocketRecord(new PeerTranscript(Name, url, [PeerEvent.Create(PeerEventKind.Error, new Dictionary<string, object?> { ["message"] = $"the page did not answer within {bound.TotalSeconds:0} s" })], -1, Diagnostics(console)),
                    pageProtocol, Snapshot(handshakes));
            }
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            List<PeerEvent> events = [.. root.GetProperty("events").EnumerateArray().Select(e => new PeerEvent(e))];
            return new ChromiumWebSocketRecord(new PeerTranscript(Name, url, events, root.GetProperty("exitCode").GetInt32(), Diagnostics(console)),
                pageProtocol, Snapshot(handshakes));
        }
        finally
        {
            await page.CloseAsync().WaitAsync(PeerTimeouts.Step, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static List<JsonElement> Snapshot(List<JsonElement> items)
    {
        lock (items)
        {
            return [.. items];
        }
    }

    /// <summary>
    /// A new blank page in this browser, for tests that drive a page of their own (the playground). The caller
    /// closes it; the browser's own close closes any left open.
    /// </summary>
    public Task<IPage> NewPageAsync(CancellationToken cancellationToken = default) =>
        _context.NewPageAsync().WaitAsync(PeerTimeouts.Step, cancellationToken);

    /// <summary>Closes the browser, Playwright's driver and the page host, and deletes the profile folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _context.CloseAsync().WaitAsync(PeerTimeouts.Step).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            // The driver's disposal below ends the browser it started.
        }
        _playwright.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
        DeleteQuietly(_profile);
    }

    /// <inheritdoc/>
    public override string ToString() => $"chromium {Version}";

    private string Diagnostics(List<string> console)
    {
        var text = new StringBuilder();
        text.Append("--- chromium ").Append(Version).Append(" from ").Append(_host.PageUrl).Append(", flags: ").AppendJoin(' ', Arguments).AppendLine();
        lock (console)
        {
            text.Append("    console (").Append(console.Count).AppendLine(" lines):");
            foreach (string line in console)
            {
                text.Append("      ").AppendLine(line);
            }
        }
        return text.ToString();
    }

    private static void DeleteQuietly(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp profile is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
