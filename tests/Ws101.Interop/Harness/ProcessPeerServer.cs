namespace Ws101.Interop.Harness;

/// <summary>A peer server running as a child process (see <see cref="ScriptedProcessPeer.StartServerAsync"/>).</summary>
public sealed class ProcessPeerServer : IPeerServer
{
    private readonly PeerProcess _process;
    private readonly PeerCertificateFiles _files;

    internal ProcessPeerServer(string name, Uri url, PeerProcess process, PeerCertificateFiles files)
    {
        Name = name;
        Url = url;
        _process = process;
        _files = files;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public Uri Url { get; }

    /// <summary>The process, for its pid and raw output.</summary>
    public PeerProcess Process => _process;

    /// <inheritdoc/>
    public IReadOnlyList<PeerEvent> Events => [.. _process.StdoutLines.Select(PeerEvent.TryParse).OfType<PeerEvent>()];

    /// <inheritdoc/>
    public async Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        string line = await _process.WaitForLineAsync(
            l => PeerEvent.TryParse(l) is { } e && match(e), description, timeout, cancellationToken).ConfigureAwait(false);
        return PeerEvent.TryParse(line)!;
    }

    /// <inheritdoc/>
    public string Diagnostics() => _process.Diagnostics();

    /// <summary>Stops the server (closes its stdin, then kills it if it lingers) and deletes its certificate files.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _files.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} at {Url}";
}
