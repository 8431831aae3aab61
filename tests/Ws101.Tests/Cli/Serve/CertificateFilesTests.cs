using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ws101.Cli.Serve;

namespace Ws101.Tests.Cli.Serve;

/// <summary>
/// <c>ws101 serve --cert</c>: a PEM pair, an encrypted PEM key with <c>--cert-password</c>, a PEM file holding both, or a
/// PFX; and when the files do not make a server certificate, which file lacks what.
/// </summary>
public sealed class CertificateFilesTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ws101-certs-");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;

    public CertificateFilesTests()
    {
        var request = new CertificateRequest("CN=127.0.0.1", _key, HashAlgorithmName.SHA256);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
        _folder.Delete(recursive: true);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string CertificatePem => _certificate.ExportCertificatePem();

    private string KeyPem => _key.ExportPkcs8PrivateKeyPem();

    [Fact]
    public void a_pem_certificate_and_its_key_load_with_the_private_key()
    {
        using var loaded = CertificateFiles.Load(Write("cert.pem", CertificatePem), Write("key.pem", KeyPem), password: null);

        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(_certificate.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void one_pem_file_holding_both_loads_without_key()
    {
        using var loaded = CertificateFiles.Load(Write("both.pem", CertificatePem + "\n" + KeyPem), keyPath: null, password: null);

        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public void an_encrypted_pem_key_loads_with_its_password_and_is_refused_without_it()
    {
        var encryption = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000);
        string key = Write("key.pem", _key.ExportEncryptedPkcs8PrivateKeyPem("secret", encryption));
        string cert = Write("cert.pem", CertificatePem);

        using var loaded = CertificateFiles.Load(cert, key, "secret");
        var missing = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(cert, key, password: null));
        var wrong = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(cert, key, "wrong"));

        Assert.True(loaded.HasPrivateKey);
        Assert.Equal($"The private key in '{key}' is encrypted: give its password with --cert-password.", missing.Message);
        Assert.StartsWith($"The private key in '{key}' could not be decrypted with the password given", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_certificate_alone_names_the_missing_key_and_the_option_that_gives_it()
    {
        string cert = Write("cert.pem", CertificatePem);

        var ex = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(cert, keyPath: null, password: null));

        Assert.Equal($"'{cert}' holds a certificate but no private key: give the key with --key KEY.pem (or use a PEM file holding both, or a PFX).", ex.Message);
    }

    [Fact]
    public void a_key_of_another_certificate_is_named_as_not_matching()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string cert = Write("cert.pem", CertificatePem);
        string key = Write("other.pem", other.ExportPkcs8PrivateKeyPem());

        var ex = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(cert, key, password: null));

        Assert.StartsWith($"The private key in '{key}' does not match the certificate in '{cert}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_key_given_as_the_certificate_is_named_as_holding_no_certificate()
    {
        string key = Write("key.pem", KeyPem);

        var ex = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(key, key, password: null));

        Assert.StartsWith($"'{key}' holds no PEM certificate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_pfx_without_its_password_says_to_give_it()
    {
        string pfx = Path.Combine(_folder.FullName, "server.pfx");
        File.WriteAllBytes(pfx, _certificate.Export(X509ContentType.Pkcs12, "secret"));

        using var loaded = CertificateFiles.Load(pfx, keyPath: null, "secret");
        var ex = Assert.Throws<CryptographicException>(() => CertificateFiles.Load(pfx, keyPath: null, password: null));

        Assert.True(loaded.HasPrivateKey);
        Assert.StartsWith($"The PFX file '{pfx}' could not be opened without a password: give it with --cert-password", ex.Message, StringComparison.Ordinal);
    }
}
