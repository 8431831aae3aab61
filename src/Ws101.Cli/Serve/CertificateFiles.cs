using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ws101.Cli.Serve;

/// <summary>
/// Loads the server certificate for wss:// from a PEM pair (the key encrypted or not), a PEM file holding both, or a PFX
/// file. What goes wrong is said in terms of the files given: which one has no certificate or no key, a key that does not
/// match, an encrypted key without its password, a PFX password that does not open it.
/// </summary>
internal static class CertificateFiles
{
    private const string PemCertificate = "-----BEGIN CERTIFICATE-----";
    private const string PemEncryptedKey = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

    public static X509Certificate2 Load(string certPath, string? keyPath, string? password)
    {
        if (!File.Exists(certPath))
        {
            throw new FileNotFoundException($"The certificate file '{certPath}' does not exist.");
        }
        string ext = Path.GetExtension(certPath).ToLowerInvariant();
        if (ext is ".pfx" or ".p12")
        {
            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(certPath, password);
            }
            catch (CryptographicException ex)
            {
                throw new CryptographicException(password is null
                    ? $"The PFX file '{certPath}' could not be opened without a password: give it with --cert-password ({ex.Message})"
                    : $"The PFX file '{certPath}' could not be opened with the password given: {ex.Message}", ex);
            }
        }
        // A PEM file may hold the certificate and its key together.
        bool keyGiven = keyPath is not null;
        keyPath ??= certPath;
        if (!File.Exists(keyPath))
        {
            throw new FileNotFoundException($"The key file '{keyPath}' does not exist.");
        }
        string certText = File.ReadAllText(certPath);
        if (!certText.Contains(PemCertificate, StringComparison.Ordinal))
        {
            throw new CryptographicException($"'{certPath}' holds no PEM certificate ({PemCertificate}); --cert takes a PEM certificate or a .pfx/.p12 file.");
        }
        string keyText = keyPath == certPath ? certText : File.ReadAllText(keyPath);
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new CryptographicException(!keyGiven
                ? $"'{certPath}' holds a certificate but no private key: give the key with --key KEY.pem (or use a PEM file holding both, or a PFX)."
                : $"'{keyPath}' holds no PEM private key (-----BEGIN ... PRIVATE KEY-----).");
        }
        bool encrypted = keyText.Contains(PemEncryptedKey, StringComparison.Ordinal);
        if (encrypted && password is null)
        {
            throw new CryptographicException($"The private key in '{keyPath}' is encrypted: give its password with --cert-password.");
        }
        X509Certificate2 pem;
        try
        {
            // From the texts already read and checked, not the files again.
            pem = encrypted ? X509Certificate2.CreateFromEncryptedPem(certText, keyText, password) : X509Certificate2.CreateFromPem(certText, keyText);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // The files hold a certificate and a key, so what is left is that they do not go together (or a wrong password):
            // .NET says so with either exception, depending on the key's algorithm.
            throw new CryptographicException(encrypted
                ? $"The private key in '{keyPath}' could not be decrypted with the password given, or does not match the certificate in '{certPath}' ({ex.Message})"
                : $"The private key in '{keyPath}' does not match the certificate in '{certPath}' ({ex.Message})", ex);
        }
        using (pem)
        {
            // Re-imported so that SslStream can use the private key on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
    }
}
