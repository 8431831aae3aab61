using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>The harness's own guarantees: bounded waits, killed processes, useful failure messages, usable certificates.</summary>
public sealed class HarnessTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_process_that_outlives_its_lifetime_is_killed_and_the_diagnostics_say_so()
    {
        await using PeerProcess sleeper = PeerProcess.Start("sleeper", "sleep", ["30"], lifetime: TimeSpan.FromMilliseconds(300));

        int exitCode = await sleeper.WaitForExitAsync(TimeSpan.FromSeconds(10), Cancel);

        Assert.NotEqual(0, exitCode);
        Assert.NotNull(sleeper.KilledAfter);
        Assert.Contains("killed by the harness", sleeper.Diagnostics(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task waiting_for_a_line_that_never_comes_fails_quickly_with_the_processs_output()
    {
        await using PeerProcess quiet = PeerProcess.Start("quiet", "sh", ["-c", "echo to-stderr >&2; echo hello; exec sleep 30"]);
        await quiet.WaitForLineAsync(l => l == "hello", "hello", cancellationToken: Cancel);

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => quiet.WaitForLineAsync(l => l == "goodbye", "goodbye", TimeSpan.FromMilliseconds(200), Cancel));

        Assert.Contains("goodbye", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("to-stderr", timeout.Message, StringComparison.Ordinal);
        quiet.Kill();
        Assert.NotEqual(0, await quiet.WaitForExitAsync(TimeSpan.FromSeconds(10), Cancel));
    }

    [Fact]
    public async Task waiting_for_a_line_from_a_process_that_exited_fails_at_once()
    {
        await using PeerProcess brief = PeerProcess.Start("brief", "sh", ["-c", "echo bye; exit 3"]);
        Assert.Equal(3, await brief.WaitForExitAsync(cancellationToken: Cancel));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => brief.WaitForLineAsync(l => l == "never", "never", TimeSpan.FromSeconds(10), Cancel));

        Assert.Contains("exited with code 3", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_client_that_cannot_connect_fails_with_the_peers_stderr_in_the_message()
    {
        var nobody = new Uri($"ws://127.0.0.1:{LoopbackPort.GetFree()}/");

        PeerTranscript run = await NodeWsPeer.Instance.RunClientAsync(nobody, new PeerScript().SendText(1), Cancel);

        Assert.False(run.Succeeded);
        var failure = Assert.ThrowsAny<Exception>(() => run.EnsureSucceeded());
        Assert.Contains("ECONNREFUSED", failure.Message, StringComparison.Ordinal);
        Assert.Contains("[node-peer]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task disposing_a_peer_server_stops_its_process()
    {
        IPeerServer server = await PythonWebsocketsPeer.Instance.StartServerAsync(cancellationToken: Cancel);
        PeerProcess process = ((ProcessPeerServer)server).Process;

        await server.DisposeAsync();

        Assert.True(process.HasExited);
        Assert.Contains(server.Events, e => e.Kind == PeerEventKind.Stopped);
    }

    [Fact]
    public void the_test_certificate_names_loopback_and_round_trips_through_pfx_and_pem()
    {
        using TestCertificate certificate = TestCertificate.Create();

        using X509Certificate2 fromPfx = X509CertificateLoader.LoadPkcs12(certificate.ExportPfx("pw"), "pw");
        using X509Certificate2 fromPem = X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.PrivateKeyPem);

        Assert.True(fromPfx.HasPrivateKey);
        Assert.True(fromPem.HasPrivateKey);
        Assert.Equal(certificate.Certificate.Thumbprint, fromPem.Thumbprint);
        Assert.True(certificate.Certificate.MatchesHostname("localhost"));
        Assert.True(certificate.Certificate.MatchesHostname(IPAddress.Loopback.ToString()));
        Assert.Equal(44, certificate.SpkiSha256Base64.Length);
    }

    [Fact]
    public void loopback_port_returns_a_port_that_can_be_bound()
    {
        int port = LoopbackPort.GetFree();

        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Assert.InRange(port, 1, 65535);
    }
}
