namespace Ws101.Interop.Harness;

/// <summary>
/// The PEM files a peer process needs for a <see cref="PeerScript"/>'s certificates, written to a
/// temporary folder that is deleted on disposal.
/// </summary>
public sealed class PeerCertificateFiles : IDisposable
{
    private readonly DirectoryInfo? _folder;

    /// <summary>Writes the files the script's certificates need (none when it has none).</summary>
    public PeerCertificateFiles(PeerScript script)
    {
        if (script.ServerCertificate is null && script.TrustedCertificate is null)
        {
            return;
        }
        _folder = Directory.CreateTempSubdirectory("ws101-certs-");
        if (script.ServerCertificate is { } server)
        {
            (ServerCertificatePath, ServerKeyPath) = server.WritePemFiles(_folder.FullName, "server");
        }
        if (script.TrustedCertificate is { } trusted)
        {
            (TrustedCertificatePath, _) = trusted.WritePemFiles(_folder.FullName, "trusted", includeKey: false);
        }
    }

    /// <summary>The server certificate (PEM), or null.</summary>
    public string? ServerCertificatePath { get; }

    /// <summary>The server's private key (PKCS#8 PEM), or null.</summary>
    public string? ServerKeyPath { get; }

    /// <summary>The certificate a client trusts (PEM), or null.</summary>
    public string? TrustedCertificatePath { get; }

    /// <summary>Deletes the files.</summary>
    public void Dispose()
    {
        try
        {
            _folder?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
