namespace Ws101.Interop.Harness;

/// <summary>
/// A <see cref="ChromiumFixture"/> whose browser runs with --ignore-certificate-errors, for the wss
/// test classes that connect to a server holding a <see cref="TestCertificate"/>. Only those classes use it.
/// </summary>
public sealed class InsecureChromiumFixture : ChromiumFixture
{
    /// <inheritdoc/>
    protected override ChromiumOptions Options => new() { IgnoreCertificateErrors = true };
}
