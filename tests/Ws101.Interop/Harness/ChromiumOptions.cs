namespace Ws101.Interop.Harness;

/// <summary>How <see cref="ChromiumPeer.LaunchAsync"/> starts the browser.</summary>
public sealed class ChromiumOptions
{
    /// <summary>
    /// The flags every launch uses: headless, no sandbox (we run as root), no GPU, and nothing that
    /// reaches out to the network on its own (this machine allows only loopback traffic).
    /// </summary>
    public static IReadOnlyList<string> StandardArguments { get; } =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-default-apps",
        "--disable-extensions",
        "--metrics-recording-only",
        "--no-default-browser-check",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--no-pings",
        "--dns-prefetch-disable",
        // With the flags above, Chromium 156 still looked up update.googleapis.com and accounts.google.com (its NetLog shows
        // them): every name but the loopback ones now fails inside the browser, before any DNS query leaves it.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ];

    /// <summary>Add --ignore-certificate-errors, so wss to a <see cref="TestCertificate"/> works. Only for the tests that need it.</summary>
    public bool IgnoreCertificateErrors { get; init; }

    /// <summary>
    /// Trust these certificates, and no others that fail validation, through
    /// --ignore-certificate-errors-spki-list (their public keys' SHA-256): the narrow alternative to
    /// <see cref="IgnoreCertificateErrors"/> for wss tests.
    /// </summary>
    public IReadOnlyList<TestCertificate> TrustedCertificates { get; init; } = [];

    /// <summary>The browser to run; default <see cref="PeerEnvironment.Chromium"/> (Debian's chromium, never a downloaded one).</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>More flags, after <see cref="StandardArguments"/>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>The bound on starting the browser; default 30 s.</summary>
    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
