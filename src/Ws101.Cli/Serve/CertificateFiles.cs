using System.Security.Cryptography.X509Certificates;

namespace Ws101.Cli.Serve;

/// <summary>Loads the server certificate for wss:// from a PEM pair or a PFX file.</summary>
internal static class CertificateFiles
{
    public static X509Certificate2 Load(string certPath, string? keyPath, string? password)
    {
        if (!File.Exists(certPath))
        {
            throw new FileNotFoundException($"The certificate file '{certPath}' does not exist.");
        }
        string ext = Path.GetExtension(certPath).ToLowerInvariant();
        if (ext is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certPath, password);
        }
        if (keyPath is null)
        {
            // A PEM file may hold the certificate and its key together.
            keyPath = certPath;
        }
        if (!File.Exists(keyPath))
        {
            throw new FileNotFoundException($"The key file '{keyPath}' does not exist.");
        }
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
