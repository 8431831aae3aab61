using System.Text.Json;
using Microsoft.Playwright;

namespace Ws101.Interop.Harness;

/// <summary>
/// Debian's Chromium, headless, for tests that need what a person debugging in a browser holds: the DevTools console
/// lines of a failed WebSocket, and a HAR recorded by Playwright (<c>RecordHarPath</c>, which writes WebSocket entries
/// with their frames the way DevTools' "Save all as HAR" does). Each run gets a fresh browser context; launch once per
/// test collection (<see cref="ChromiumRecorderCollection"/>).
/// </summary>
public sealed class ChromiumRecorder : IAsyncDisposable
{
    // Sends two messages on open (the /bye route echoes two, then closes), and closes the socket itself after a while
    // when nothing has ended it (a server that never answers).
    private const string OpenScript = """
        ([url, closeAfterMs]) => new Promise(resolve => {
          const events = [];
          let ws;
          try { ws = new WebSocket(url); } catch (e) { resolve(['throw ' + e.message]); return; }
          ws.onopen = () => { events.push('open'); ws.send('hello'); ws.send('world'); };
          ws.onmessage = m => events.push('message ' + m.data);
          ws.onerror = () => events.push('error');
          ws.onclose = c => { events.push('close ' + c.code + ' ' + c.reason); resolve(events); };
          setTimeout(() => { if (ws.readyState < 2) ws.close(); }, closeAfterMs);
        })
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly ChromiumPageHost _host;

    private ChromiumRecorder(IPlaywright playwright, IBrowser browser, ChromiumPageHost host)
    {
        _playwright = playwright;
        _browser = browser;
        _host = host;
    }

    /// <summary>The page every run starts from (http://127.0.0.1:PORT/): the Origin the browser sends.</summary>
    public Uri PageUrl => _host.PageUrl;

    /// <summary>The browser's version.</summary>
    public string Version => _browser.Version;

    /// <summary>Starts the browser.</summary>
    public static async Task<ChromiumRecorder> LaunchAsync(CancellationToken cancellationToken = default)
    {
        string executable = PeerEnvironment.Chromium;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium is not installed at {executable}: run scripts/install-test-deps.sh (it installs Debian's chromium), or set WS101_CHROMIUM.");
        }
        ChromiumPageHost host = await ChromiumPageHost.StartAsync(cancellationToken).ConfigureAwait(false);
        IPlaywright? playwright = null;
        // The same bound as ChromiumPeer's launches: a loaded machine can take a while to start a browser.
        TimeSpan launch = new ChromiumOptions().LaunchTimeout;
        try
        {
            playwright = await Playwright.CreateAsync().WaitAsync(launch, cancellationToken).ConfigureAwait(false);
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = ChromiumOptions.StandardArguments,
                ChromiumSandbox = false,
                Timeout = (float)launch.TotalMilliseconds,
            }).WaitAsync(launch + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return new ChromiumRecorder(playwright, browser, host);
        }
        catch
        {
            playwright?.Dispose();
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a page, has it open a WebSocket to <paramref name="url"/> (sending two messages once open), waits for the
    /// close, and returns what the console and the page saw. With <paramref name="harPath"/>, Playwright records the
    /// whole context as a HAR there, written when the context closes.
    /// </summary>
    public async Task<ChromiumWebSocketRun> OpenWebSocketAsync(Uri url, string? harPath = null, TimeSpan? closeAfter = null, CancellationToken cancellationToken = default)
    {
        var options = harPath is null ? new BrowserNewContextOptions() : new BrowserNewContextOptions
        {
            RecordHarPath = harPath,
            RecordHarContent = HarContentPolicy.Embed,
            RecordHarMode = HarMode.Full,
        };
        IBrowserContext context = await _browser.NewContextAsync(options).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        var console = new WaitableLog<string>();
        try
        {
            IPage page = await context.NewPageAsync().WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
            page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
            await page.GotoAsync(_host.PageUrl.AbsoluteUri, new PageGotoOptions { Timeout = (float)PeerTimeouts.Step.TotalMilliseconds }).ConfigureAwait(false);
            double closeAfterMs = (closeAfter ?? TimeSpan.FromSeconds(3)).TotalMilliseconds;
            string[] events = await page.EvaluateAsync<string[]>(OpenScript, new object[] { url.AbsoluteUri, closeAfterMs })
                .WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
            // The console message of a failed WebSocket may come just after the close event: wait for it briefly, when the page saw a failure.
            if (events.Contains("error"))
            {
                await console.WaitForAsync(l => l.Contains("WebSocket connection to", StringComparison.Ordinal), "the console error of the WebSocket",
                    PeerTimeouts.Step, () => string.Join(Environment.NewLine, console.Snapshot()), cancellationToken).ConfigureAwait(false);
            }
            return new ChromiumWebSocketRun(console.Snapshot(), events);
        }
        finally
        {
            // Closing the context writes the HAR.
            await context.CloseAsync().WaitAsync(PeerTimeouts.Step, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The WebSocket entries of a recorded HAR, as JSON, for a test to look at what the browser wrote.</summary>
    public static IReadOnlyList<JsonElement> WebSocketEntries(string harPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(harPath));
        return [.. document.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("request").GetProperty("url").GetString()!.StartsWith("ws", StringComparison.Ordinal))
            .Select(e => e.Clone())];
    }

    /// <summary>Closes the browser, Playwright's driver and the page host.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _browser.CloseAsync().WaitAsync(PeerTimeouts.Step).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            // The driver's disposal below ends the browser it started.
        }
        _playwright.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
    }
}
