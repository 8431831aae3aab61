using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ws101.Interop.Harness;

/// <summary>
/// A self-signed TLS server certificate for 127.0.0.1, ::1 and localhost, made in-process for wss
/// tests: usable by Kestrel and SslStream, and exportable as PFX and PEM for the peer processes.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(X509Certificate2 certificate, string privateKeyPem)
    {
        Certificate = certificate;
        PrivateKeyPem = privateKeyPem;
    }

    /// <summary>The certificate with its private key, ready for <c>SslStream</c> or Kestrel's <c>UseHttps</c>.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate as PEM ("-----BEGIN CERTIFICATE-----").</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").</summary>
    public string PrivateKeyPem { get; }

    /// <summary>The base64 SHA-256 of the certificate's SubjectPublicKeyInfo (what Chromium's --ignore-certificate-errors-spki-list takes).</summary>
    public string SpkiSha256Base64 => Convert.ToBase64String(SHA256.HashData(Certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>
    /// Makes a new certificate: ECDSA P-256, valid from a day ago for <paramref name="validDays"/> days,
    /// subject alternative names 127.0.0.1, ::1 and localhost, extended key usage server authentication.
    /// </summary>
    public static TestCertificate Create(string commonName = "Ws101 interop test", int validDays = 7)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(validDays));
        // A PFX round trip gives a certificate whose key every TLS stack on every OS can use.
        X509Certificate2 loaded = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null);
        return new TestCertificate(loaded, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The certificate and key as PKCS#12 (PFX) bytes, protected by <paramref name="password"/> if given.</summary>
    public byte[] ExportPfx(string? password = null) => Certificate.Export(X509ContentType.Pfx, password);

    /// <summary>Writes NAME.crt.pem and (unless <paramref name="includeKey"/> is false) NAME.key.pem into <paramref name="directory"/>; returns their paths.</summary>
    public (string CertificatePath, string? KeyPath) WritePemFiles(string directory, string name = "ws101-test", bool includeKey = true)
    {
        string certificatePath = Path.Combine(directory, name + ".crt.pem");
        File.WriteAllText(certificatePath, CertificatePem);
        if (!includeKey)
        {
            return (certificatePath, null);
        }
        string keyPath = Path.Combine(directory, name + ".key.pem");
        File.WriteAllText(keyPath, PrivateKeyPem);
        return (certificatePath, keyPath);
    }

    /// <summary>Writes NAME.pfx into <paramref name="directory"/>; returns its path.</summary>
    public string WritePfxFile(string directory, string name = "ws101-test", string? password = null)
    {
        string path = Path.Combine(directory, name + ".pfx");
        File.WriteAllBytes(path, ExportPfx(password));
        return path;
    }

    /// <summary>Disposes the certificate.</summary>
    public void Dispose() => Certificate.Dispose();
}
