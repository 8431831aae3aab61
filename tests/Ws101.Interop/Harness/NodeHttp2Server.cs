namespace Ws101.Interop.Harness;

/// <summary>
/// Node's own http2 module as a server (tests/peers/node/h2-server.js) in one of its modes: HTTP/2 without
/// SETTINGS_ENABLE_CONNECT_PROTOCOL (with a certificate also HTTP/1.1 WebSockets through Node's ws), or an HTTP/2 server
/// that answers the extended CONNECT wrongly. Kestrel cannot play these parts: it always enables extended CONNECT.
/// </summary>
public sealed class NodeHttp2Server : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly string? _folder;

    private NodeHttp2Server(PeerProcess process, int port, bool tls, string? folder)
    {
        _process = process;
        _folder = folder;
        Port = port;
        EchoUrl = new Uri($"{(tls ? "wss" : "ws")}://127.0.0.1:{port}/echo");
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>ws:// or wss://127.0.0.1:PORT/echo.</summary>
    public Uri EchoUrl { get; }

    /// <summary>The JSON lines it printed for each request ({"event":"request","http":"2"|"1.1",...}).</summary>
    public IReadOnlyList<PeerEvent> Requests => [.. _process.StdoutLines.Select(PeerEvent.TryParse).OfType<PeerEvent>().Where(e => e.Kind == "request")];

    /// <summary>Starts the server in <paramref name="mode"/> (no-connect, accept-200, page-200, status-403), over TLS when given a certificate.</summary>
    public static async Task<NodeHttp2Server> StartAsync(string mode, TestCertificate? certificate, CancellationToken cancellationToken = default)
    {
        string? folder = null;
        var arguments = new List<string> { Path.Combine(PeerEnvironment.NodePeerDirectory, "h2-server.js"), mode };
        if (certificate is not null)
        {
            folder = Directory.CreateTempSubdirectory("ws101-h2-").FullName;
            var (cert, key) = certificate.WritePemFiles(folder);
            arguments.AddRange(["--cert", cert, "--key", key!]);
        }
        var process = PeerProcess.Start($"node h2-server {mode}", PeerEnvironment.Node, arguments);
        try
        {
            string line = await process.WaitForLineAsync(l => l.Contains("\"listening\"", StringComparison.Ordinal), "listening", cancellationToken: cancellationToken).ConfigureAwait(false);
            int port = PeerEvent.TryParse(line)?.Port ?? throw new InvalidOperationException($"no port in '{line}'");
            return new NodeHttp2Server(process, port, certificate is not null, folder);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The process's output, for a failure message.</summary>
    public string Diagnostics() => _process.Diagnostics();

    /// <summary>Stops it (closing its stdin, then killing it) and deletes its certificate files.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
