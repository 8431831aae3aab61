using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using Ws101.Interop.Harness;
using static Microsoft.Playwright.Assertions;

namespace Ws101.Interop.Playground;

/// <summary>
/// The playground page served by <c>ws101 serve</c>, driven in Debian's Chromium: the accept calculator, the
/// handshake checker and the live connection, on a laptop-sized and a phone-sized viewport. Each test saves
/// pictures of the panel it drives into test-output/playground/.
/// </summary>
public sealed class PlaygroundPageTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static readonly ViewportSize Laptop = new() { Width = 1280, Height = 900 };
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    private static readonly LocatorAssertionsToHaveTextOptions TextWait = new() { Timeout = 10_000 };

    private PlaygroundServer? _server;
    private readonly List<string> _console = [];

    private PlaygroundServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => _server = await PlaygroundServer.StartAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The RFC example key gives the RFC accept, with its steps; a generated key is 16 random bytes.</summary>
    [Fact]
    public async Task Calculator_shows_the_rfc_accept_for_the_rfc_example_key()
    {
        await WithPageAsync(Laptop, async page =>
        {
            await page.Locator("#calc-key").FillAsync("");
            await page.Locator("#calc-example").ClickAsync();
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", TextWait);
            await Expect(page.Locator("#calc-sha1")).ToHaveTextAsync("b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea", TextWait);
            await Expect(page.Locator("#calc-concat")).ToHaveTextAsync("dGhlIHNhbXBsZSBub25jZQ==" + Guid, TextWait);
            await Expect(page.Locator("#calc-engine")).ToContainTextAsync("crypto.subtle");
            await PlaygroundScreenshots.SaveAsync(page.Locator("#calculator"), "calculator-desktop");

            // A generated key is 16 random bytes in base64, and is well formed.
            await page.Locator("#calc-generate").ClickAsync();
            string generated = await page.Locator("#calc-key").InputValueAsync();
            Assert.Equal(16, Convert.FromBase64String(generated).Length);
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync(Accept(generated, SHA1.HashData), TextWait);
            await Expect(page.Locator("#calc-warnings .ok-note")).ToBeVisibleAsync();
        });
    }

    /// <summary>Whitespace, stripped padding, base64url characters and a wrong decoded length are each named.</summary>
    [Fact]
    public async Task Calculator_flags_the_common_mistakes_in_a_key()
    {
        await WithPageAsync(Laptop, async page =>
        {
            var key = page.Locator("#calc-key");
            var warnings = page.Locator("#calc-warnings");

            await key.FillAsync(" dGhlIHNhbXBsZSBub25jZQ==\n".Replace("\n", "", StringComparison.Ordinal) + " ");
            await Expect(warnings).ToContainTextAsync("Whitespace at both ends", new() { Timeout = 10_000 });
            // Hashed as typed, like a server hashing the raw value: not the RFC accept.
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync(Accept(" dGhlIHNhbXBsZSBub25jZQ== ", SHA1.HashData), TextWait);
            await page.Locator("#calc-warnings [data-action=trim]").ClickAsync();
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", TextWait);

            await key.FillAsync("dGhlIHNhbXBsZSBub25jZQ");
            await Expect(warnings).ToContainTextAsync("Padding missing", new() { Timeout = 10_000 });

            await key.FillAsync("a-b_c2hvcnQ=");
            await Expect(warnings).ToContainTextAsync("base64url characters", new() { Timeout = 10_000 });
            await Expect(warnings).ToContainTextAsync("Decodes to 8 bytes, not 16");
            await PlaygroundScreenshots.SaveAsync(page.Locator("#calculator"), "calculator-warnings-desktop");

            await key.FillAsync("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            await Expect(warnings).ToContainTextAsync("Decodes to 20 bytes", new() { Timeout = 10_000 });
            await Expect(warnings).ToContainTextAsync("accept value rather than a key");
        });
    }

    /// <summary>Without crypto.subtle the page asks POST /api/accept and shows the same steps.</summary>
    [Fact]
    public async Task Calculator_falls_back_to_the_server_without_crypto_subtle()
    {
        await WithPageAsync(Laptop, async page =>
        {
            await page.Locator("#calc-example").ClickAsync();
            await Expect(page.Locator("#calc-engine")).ToContainTextAsync("/api/accept");
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", TextWait);
            await Expect(page.Locator("#calc-sha1")).ToHaveTextAsync("b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea", TextWait);
        }, hideSubtleCrypto: true);
    }

    /// <summary>A response whose accept was hashed with SHA-256 is diagnosed as such, beside its line.</summary>
    [Fact]
    public async Task Checker_diagnoses_an_accept_computed_with_sha256()
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string wrongAccept = Accept(key, SHA256.HashData);
        string transcript =
            "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n" +
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {wrongAccept}\r\n\r\n";
        await WithPageAsync(Laptop, async page =>
        {
            await page.Locator("#check-transcript").FillAsync(transcript);
            await page.Locator("#check-submit").ClickAsync();
            var problem = page.Locator("#check-result .problem[data-code='accept-mismatch']");
            await Expect(problem).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(problem).ToContainTextAsync("SHA-256");
            await Expect(problem).ToContainTextAsync(wrongAccept);
            await Expect(problem).ToContainTextAsync(Accept(key, SHA1.HashData));
            await Expect(page.Locator("#check-status")).ToContainTextAsync("1 problem");
            // The problem sits right below the response's line 4, the Sec-WebSocket-Accept line.
            var line = page.Locator("#check-result .lines[data-part='response'] .line[data-line='4']");
            await Expect(line).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("has-problem"));
            await Expect(line).ToContainTextAsync("Sec-WebSocket-Accept: " + wrongAccept);
            Assert.True(await line.Locator("xpath=following-sibling::*[1]").EvaluateAsync<bool>("e => e.matches('.problem[data-code=\"accept-mismatch\"]')"));
            await PlaygroundScreenshots.SaveAsync(page.Locator("#checker"), "checker-desktop");

            // Ctrl+Enter checks too; a valid pair says so.
            await page.Locator("#check-transcript").FillAsync(transcript.Replace(wrongAccept, Accept(key, SHA1.HashData), StringComparison.Ordinal));
            await page.Locator("#check-transcript").PressAsync("Control+Enter");
            await Expect(page.Locator("#check-status")).ToContainTextAsync("Valid", new() { Timeout = 10_000 });
            await Expect(page.Locator("#check-result .problem")).ToHaveCountAsync(0);
        });
    }

    /// <summary>
    /// A HAR opened in the checker is reduced in the page to its WebSocket entries (no cookie, token or payload leaves
    /// it), diagnosed by the server, and shown as one verdict per upgrade with the failed one in detail.
    /// </summary>
    [Fact]
    public async Task Checker_reads_a_har_file_and_sends_no_secret_to_the_server()
    {
        string fixture = Path.Combine(PeerEnvironment.RepositoryRoot, "tests", "Ws101.Tests", "Handshake", "Fixtures", "devtools-sensitive.har");
        string[] secrets = ["ws101-fixture-cookie-c0ffee", "ws101-fixture-set-cookie-beef", "ws101-fixture-token-d00d"];
        await WithPageAsync(Laptop, async page =>
        {
            var posted = new List<string>();
            page.Request += (_, request) =>
            {
                if (request.Url.EndsWith("/api/diagnose", StringComparison.Ordinal))
                {
                    lock (posted)
                    {
                        posted.Add(request.PostData ?? "");
                    }
                }
            };
            await page.Locator("#check-file").SetInputFilesAsync(fixture);
            await Expect(page.Locator("#check-status")).ToContainTextAsync("1 failed: 2 WebSocket upgrades among 4 entries", new() { Timeout = 10_000 });
            await Expect(page.Locator("#check-result .verdicts tbody tr")).ToHaveCountAsync(2);
            await Expect(page.Locator("#check-result .verdicts tr[data-index='2'] .verdict")).ToHaveTextAsync("OK");
            var failed = page.Locator("#check-result .upgrade[data-index='3']");
            await Expect(failed.Locator(".problem[data-code='forbidden']")).ToBeVisibleAsync();
            await Expect(failed).ToContainTextAsync("Unexpected response code: 403");
            await Expect(failed).ToContainTextAsync("ws101 probe wss://app.example/admin?token=(masked)");
            await Expect(failed.Locator(".lines[data-part='request']")).ToContainTextAsync("Cookie: (masked: 47 characters)");
            await Expect(failed.Locator(".lines[data-part='request']")).ToContainTextAsync("Authorization: Bearer (masked: 24 characters)");
            await PlaygroundScreenshots.SaveAsync(page.Locator("#checker"), "checker-har-desktop");
            string body = Assert.Single(posted);
            Assert.StartsWith("{\"log\":", body, StringComparison.Ordinal);
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            }

            // Dropped on the text box, a HAR is read the same way.
            string har = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(fixture)!, "firefox-wrong-accept.har"));
            var transfer = await page.EvaluateHandleAsync("text => { const t = new DataTransfer(); t.items.add(new File([text], 'firefox.har', { type: 'application/json' })); return t; }", har);
            await page.Locator("#check-transcript").DispatchEventAsync("drop", new { dataTransfer = transfer });
            await Expect(page.Locator("#check-result .upgrade[data-index='1'] .problem[data-code='accept-mismatch']")).ToContainTextAsync("SHA-256", new() { Timeout = 10_000 });
        });
    }

    /// <summary>A Chromium console line pasted into the checker is explained, with the probe to run next.</summary>
    [Fact]
    public async Task Checker_explains_a_browser_console_error()
    {
        await WithPageAsync(Phone, async page =>
        {
            await page.Locator("button.example[data-example='console']").ClickAsync();
            var error = page.Locator("#check-result .console-error");
            await Expect(error.Locator(".problem[data-code='success-not-upgrade']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(error).ToContainTextAsync("200 OK instead of 101 Switching Protocols");
            await Expect(error).ToContainTextAsync("ws101 probe ws://127.0.0.1:8080/chat");
            await Expect(page.Locator("#check-status")).ToContainTextAsync("1 browser error, 1 with a known cause");
            await PlaygroundScreenshots.SaveAsync(page.Locator("#checker"), "checker-console-phone");
        });
    }

    /// <summary>/echo?transcript=1 shows the 101 transcript, echoes text and binary, and closes with the chosen code.</summary>
    [Fact]
    public async Task Live_echo_round_trips_a_message_and_shows_the_101_transcript()
    {
        await WithPageAsync(Laptop, async page =>
        {
            await Expect(page.Locator("#live-url")).ToHaveValueAsync($"ws://{Server.BaseUrl.Authority}/echo?transcript=1");
            await page.Locator("#live-open").ClickAsync();
            await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 10_000 });
            var handshake = page.Locator("#live-handshake[data-transcript='true']");
            await Expect(handshake).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(handshake).ToContainTextAsync("GET /echo?transcript=1 HTTP/1.1");
            await Expect(handshake).ToContainTextAsync("HTTP/1.1 101 Switching Protocols");
            await Expect(handshake).ToContainTextAsync("Sec-WebSocket-Accept: ");

            // Text, sent with Enter from the message field.
            await page.Locator("#live-message").FillAsync("hello, playground ✓");
            await page.Locator("#live-message").PressAsync("Enter");
            var echoed = page.Locator("#live-log tr.in[data-type='text'] td.data", new() { HasTextString = "hello, playground ✓" });
            await Expect(echoed).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await Expect(page.Locator("#live-log tr.in[data-type='text']").Last.Locator("td.size")).ToHaveTextAsync("21");

            // Binary from hex.
            await page.Locator("input[name=kind][value=hex]").CheckAsync();
            await page.Locator("#live-message").FillAsync("de ad be ef");
            await page.Locator("#live-send-button").ClickAsync();
            await Expect(page.Locator("#live-log tr.in[data-type='binary'] td.data", new() { HasTextString = "de ad be ef" })).ToHaveCountAsync(1, new() { Timeout = 10_000 });

            // N random bytes.
            await page.Locator("input[name=kind][value=random]").CheckAsync();
            await page.Locator("#live-message").FillAsync("300");
            await page.Locator("#live-send-button").ClickAsync();
            await Expect(page.Locator("#live-log tr.in[data-type='binary'] td.size", new() { HasTextString = "300" })).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await PlaygroundScreenshots.SaveAsync(page.Locator("#live"), "live-desktop");

            // Close with a chosen code and reason; the echo server answers with the same code (and, as RFC 6455 allows, no reason).
            await page.Locator("#live-close-code").FillAsync("4000");
            await page.Locator("#live-close-reason").FillAsync("bye now");
            await page.Locator("#live-close-button").ClickAsync();
            await Expect(page.Locator("#live-outcome")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(page.Locator("#live-outcome-code")).ToHaveTextAsync("4000");
            await Expect(page.Locator("#live-outcome-sent")).ToHaveTextAsync("4000 \"bye now\"");
            await Expect(page.Locator("#live-outcome-clean")).ToHaveTextAsync("true");
            await PlaygroundScreenshots.SaveAsync(page.Locator("#live"), "live-closed-desktop");
        });
    }

    /// <summary>A URL with no endpoint ends with 1006 and not clean, explained; Disconnect closes an open connection with 1000.</summary>
    [Fact]
    public async Task Live_shows_a_failed_connection_and_disconnects_an_open_one()
    {
        await WithPageAsync(Laptop, async page =>
        {
            await page.Locator("#live-url").FillAsync($"ws://{Server.BaseUrl.Authority}/no-such-endpoint");
            await page.Locator("#live-url").PressAsync("Enter");
            await Expect(page.Locator("#live-outcome")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Expect(page.Locator("#live-outcome-code")).ToHaveTextAsync("1006");
            await Expect(page.Locator("#live-outcome-clean")).ToHaveTextAsync("false");
            await Expect(page.Locator("#live-outcome-meaning")).ToContainTextAsync("checker");
            await Expect(page.Locator("#live-handshake")).ToContainTextAsync("did not open");

            await page.Locator("#live-connect button[data-path='/echo']").ClickAsync();
            await Expect(page.Locator("#live-url")).ToHaveValueAsync($"ws://{Server.BaseUrl.Authority}/echo");
            await page.Locator("#live-open").ClickAsync();
            await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 10_000 });
            await Expect(page.Locator("#live-outcome")).ToBeHiddenAsync();
            await Expect(page.Locator("#live-handshake")).ToContainTextAsync("does not show a page its handshake");
            await page.Locator("#live-disconnect").ClickAsync();
            await Expect(page.Locator("#live-outcome-code")).ToHaveTextAsync("1000", new() { Timeout = 10_000 });
            await Expect(page.Locator("#live-outcome-clean")).ToHaveTextAsync("true");
            await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "closed");
        });
    }

    /// <summary>On a 390 px wide screen every panel works and nothing scrolls sideways.</summary>
    [Fact]
    public async Task Every_panel_fits_a_phone_screen()
    {
        await WithPageAsync(Phone, async page =>
        {
            await page.Locator("#calc-example").ClickAsync();
            await Expect(page.Locator("#calc-accept")).ToHaveTextAsync("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", TextWait);
            await PlaygroundScreenshots.SaveAsync(page.Locator("#calculator"), "calculator-phone");

            await page.Locator("button.example[data-example='sha256']").ClickAsync();
            await Expect(page.Locator("#check-result .problem[data-code='accept-mismatch']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await PlaygroundScreenshots.SaveAsync(page.Locator("#checker"), "checker-phone");

            await page.Locator("#live-open").ClickAsync();
            await Expect(page.Locator("#live-handshake[data-transcript='true']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await page.Locator("#live-message").PressAsync("Enter");
            await Expect(page.Locator("#live-log tr.in[data-type='text']")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            await PlaygroundScreenshots.SaveAsync(page.Locator("#live"), "live-phone");

            // Nothing wider than the screen: no sideways scrolling.
            int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than the phone's screen");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(PlaygroundScreenshots.Folder, "page-phone.png"), FullPage = true, Timeout = 15_000 });
        });
    }

    /// <summary>Tab walks the skip link, the panel links and the controls in reading order, with a visible outline.</summary>
    [Fact]
    public async Task Keyboard_reaches_every_control_in_order_with_a_visible_focus()
    {
        await WithPageAsync(Laptop, async page =>
        {
            var order = new List<string>();
            for (int i = 0; i < 12; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                order.Add(await page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.textContent.trim()"));
            }
            Assert.Equal(["Skip to the panels", "Accept calculator", "Handshake checker", "Live connection", "calc-key", "calc-generate", "calc-example"], order.Take(7));
            Assert.Contains("check-transcript", order);
            string outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
            Assert.Equal("solid", outline);
            await page.Locator("#main").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(PlaygroundScreenshots.Folder, "page-desktop.png"), Timeout = 15_000 });
        });
    }

    /// <summary>Every visible text on the filled page has a contrast of at least 4.5:1, in the light and the dark scheme.</summary>
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Text_has_enough_contrast_in_both_color_schemes(string scheme)
    {
        await WithPageAsync(Laptop, async page =>
        {
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
            await page.Locator("#calc-key").FillAsync("dGhlIHNhbXBsZSBub25jZQ");
            await Expect(page.Locator("#calc-warnings .warning")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await page.Locator("button.example[data-example='sha256']").ClickAsync();
            await Expect(page.Locator("#check-result .problem")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await page.Locator("#live-open").ClickAsync();
            await Expect(page.Locator("#live-handshake[data-transcript='true']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await page.Locator("#live-message").PressAsync("Enter");
            await Expect(page.Locator("#live-log tr.in[data-type='text']")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            var failures = await page.EvaluateAsync<string[]>(ContrastScript);
            Assert.True(failures.Length == 0, $"low contrast ({scheme}):\n" + string.Join('\n', failures));
            if (scheme == "dark")
            {
                await PlaygroundScreenshots.SaveAsync(page.Locator("#calculator"), "calculator-dark-desktop");
                await PlaygroundScreenshots.SaveAsync(page.Locator("#checker"), "checker-dark-desktop");
                await PlaygroundScreenshots.SaveAsync(page.Locator("#live"), "live-dark-desktop");
            }
        });
    }

    /// <summary>
    /// Lists the visible elements whose own text has a WCAG contrast ratio under 4.5 against the first opaque
    /// background behind them. Disabled controls are exempt, as WCAG exempts them.
    /// </summary>
    private const string ContrastScript = """
        () => {
          const rgb = c => { const m = c.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
          const lum = ({ r, g, b }) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
          const failures = [];
          for (const el of document.querySelectorAll('body *')) {
            if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            if (el.closest(':disabled') || el.closest('[hidden]')) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden' || style.display === 'none') continue;
            const a = lum(rgb(style.color)), b = lum(background(el));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) failures.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} "${el.textContent.trim().slice(0, 40)}": ${ratio.toFixed(2)}`);
          }
          return failures;
        }
        """;

    private static string Accept(string key, Func<byte[], byte[]> hash) =>
        Convert.ToBase64String(hash(Encoding.UTF8.GetBytes(key + Guid)));

    /// <summary>Opens the playground in a new page of the given size, runs <paramref name="test"/>, and fails on any page error or CSP violation.</summary>
    private async Task WithPageAsync(ViewportSize size, Func<IPage, Task> test, bool hideSubtleCrypto = false)
    {
        IPage page = await browser.Chromium.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(15_000);
            page.Console += (_, message) =>
            {
                lock (_console)
                {
                    _console.Add($"console.{message.Type}: {message.Text}");
                }
            };
            page.PageError += (_, error) =>
            {
                lock (_console)
                {
                    _console.Add($"page error: {error}");
                }
            };
            await page.SetViewportSizeAsync(size.Width, size.Height);
            if (hideSubtleCrypto)
            {
                await page.AddInitScriptAsync("Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined });");
            }
            await page.GotoAsync(Server.BaseUrl.AbsoluteUri, new PageGotoOptions { Timeout = 15_000 });
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 10_000 });
            try
            {
                await test(page);
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{ex.Message}\n--- page console:\n{string.Join('\n', _console)}\n--- server log:\n{Server.Log}");
            }
            lock (_console)
            {
                var errors = _console.Where(l => l.StartsWith("page error", StringComparison.Ordinal) || l.Contains("Content Security Policy", StringComparison.Ordinal)).ToList();
                Assert.True(errors.Count == 0, "the page reported errors:\n" + string.Join('\n', errors));
            }
        }
        finally
        {
            await page.CloseAsync().WaitAsync(PeerTimeouts.Step);
        }
    }
}
