namespace Ws101.Interop.Harness;

/// <summary>
/// A peer that is a script run as a child process speaking the JSON-lines protocol
/// (tests/peers/*/peer.*): the shared half of <see cref="NodeWsPeer"/> and <see cref="PythonWebsocketsPeer"/>.
/// </summary>
public abstract class ScriptedProcessPeer : IScriptedPeer
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>The interpreter to run.</summary>
    protected abstract string Program { get; }

    /// <summary>The script's path, the interpreter's first argument.</summary>
    protected abstract string ScriptPath { get; }

    /// <summary>Throws, saying how to install it, when the peer is not installed.</summary>
    protected abstract void EnsureInstalled();

    /// <inheritdoc/>
    public async Task<PeerTranscript> RunClientAsync(Uri url, PeerScript script, CancellationToken cancellationToken = default)
    {
        EnsureInstalled();
        using var files = new PeerCertificateFiles(script);
        TimeSpan bound = script.RunTimeout + TimeSpan.FromSeconds(5);
        await using PeerProcess process = PeerProcess.Start(
            $"{Name} client",
            Program,
            [ScriptPath, "client", "--url", url.AbsoluteUri, "--config", script.ToJson(files)],
            lifetime: bound + TimeSpan.FromSeconds(5),
            workingDirectory: Path.GetDirectoryName(ScriptPath));
        int exitCode;
        try
        {
            exitCode = await process.WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            exitCode = -1;
        }
        List<PeerEvent> events = [.. process.StdoutLines.Select(PeerEvent.TryParse).OfType<PeerEvent>()];
        return new PeerTranscript(Name, url, events, exitCode, process.Diagnostics());
    }

    /// <inheritdoc/>
    public async Task<IPeerServer> StartServerAsync(PeerScript? script = null, CancellationToken cancellationToken = default)
    {
        EnsureInstalled();
        script ??= new PeerScript();
        var files = new PeerCertificateFiles(script);
        PeerProcess? process = null;
        try
        {
            process = PeerProcess.Start(
                $"{Name} server",
                Program,
                [ScriptPath, "server", "--port", "0", "--config", script.ToJson(files)],
                workingDirectory: Path.GetDirectoryName(ScriptPath));
            string line = await process.WaitForLineAsync(
                l => PeerEvent.TryParse(l)?.Kind == PeerEventKind.Listening, "the listening event", cancellationToken: cancellationToken).ConfigureAwait(false);
            var url = new Uri(PeerEvent.TryParse(line)!.Url!);
            return new ProcessPeerServer($"{Name} server", url, process, files);
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            files.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
