using System.Text;

namespace Ws101.Interop.Harness;

/// <summary>Everything one scripted client run reported: its events in order, how it ended, and its stderr.</summary>
public sealed class PeerTranscript
{
    /// <summary>Creates a transcript.</summary>
    /// <param name="peer">The peer's name, for messages.</param>
    /// <param name="url">The URL it connected to.</param>
    /// <param name="events">Its events, in order.</param>
    /// <param name="exitCode">0 when the run succeeded (for a process, its exit code).</param>
    /// <param name="diagnostics">Its stderr, command line or console output, for messages.</param>
    public PeerTranscript(string peer, Uri url, IReadOnlyList<PeerEvent> events, int exitCode, string diagnostics)
    {
        Peer = peer;
        Url = url;
        Events = events;
        ExitCode = exitCode;
        Diagnostics = diagnostics;
    }

    /// <summary>The peer's name.</summary>
    public string Peer { get; }

    /// <summary>The URL the peer connected to.</summary>
    public Uri Url { get; }

    /// <summary>Every event, in order.</summary>
    public IReadOnlyList<PeerEvent> Events { get; }

    /// <summary>0 when the run succeeded; 1 on a failed step, 2 on a timeout (see docs/testing.md).</summary>
    public int ExitCode { get; }

    /// <summary>The peer's stderr (or browser console) and command line.</summary>
    public string Diagnostics { get; }

    /// <summary>True when the script ran to its end and the connection closed.</summary>
    public bool Succeeded => ExitCode == 0 && Events.Any(e => e.Kind == PeerEventKind.Done);

    /// <summary>The open event, or null when the handshake failed.</summary>
    public PeerEvent? Open => Events.FirstOrDefault(e => e.Kind == PeerEventKind.Open);

    /// <summary>The messages received, in order.</summary>
    public IReadOnlyList<PeerEvent> Received => Of(PeerEventKind.Message);

    /// <summary>The messages sent, in order.</summary>
    public IReadOnlyList<PeerEvent> Sent => Of(PeerEventKind.Sent);

    /// <summary>The pongs received.</summary>
    public IReadOnlyList<PeerEvent> Pongs => Of(PeerEventKind.Pong);

    /// <summary>The pings received (a browser does not report them).</summary>
    public IReadOnlyList<PeerEvent> Pings => Of(PeerEventKind.Ping);

    /// <summary>The errors reported.</summary>
    public IReadOnlyList<PeerEvent> Errors => Of(PeerEventKind.Error);

    /// <summary>The close event (the code and reason the other side sent), or null when none was seen.</summary>
    public PeerEvent? Close => Events.LastOrDefault(e => e.Kind == PeerEventKind.Close);

    /// <summary>The events of one kind.</summary>
    public IReadOnlyList<PeerEvent> Of(string kind) => [.. Events.Where(e => e.Kind == kind)];

    /// <summary>Throws, with the whole transcript in the message, unless the run succeeded.</summary>
    public PeerTranscript EnsureSucceeded()
    {
        if (!Succeeded)
        {
            Assert.Fail($"{Peer} did not complete its script against {Url}.{Environment.NewLine}{Describe()}");
        }
        return this;
    }

    /// <summary>
    /// Throws unless every message sent came back once, in order, with the same type, length and
    /// SHA-256 (what an echo server must do), and each sent payload is the one <see cref="Payload"/> makes.
    /// </summary>
    public PeerTranscript EnsureEverySentMessageWasEchoed()
    {
        IReadOnlyList<PeerEvent> sent = Sent;
        IReadOnlyList<PeerEvent> received = Received;
        if (sent.Count != received.Count)
        {
            Assert.Fail($"{Peer} sent {sent.Count} messages but received {received.Count}.{Environment.NewLine}{Describe()}");
        }
        for (int i = 0; i < sent.Count; i++)
        {
            PeerEvent s = sent[i];
            PeerEvent r = received[i];
            if (s.Type != r.Type || s.Length != r.Length || s.Sha256 != r.Sha256)
            {
                Assert.Fail($"{Peer}: message {i} came back different: sent {s}, received {r}.{Environment.NewLine}{Describe()}");
            }
        }
        return this;
    }

    /// <summary>
    /// Throws unless every payload the peer sent is byte for byte the one <see cref="Payload"/> makes
    /// for its type and length (by SHA-256), so the peer and the harness agree on what a size means.
    /// Use it on scripts that send only generated payloads (no explicit text or bytes).
    /// </summary>
    public PeerTranscript EnsureSentPayloadsMatchTheHarness()
    {
        foreach (PeerEvent sent in Sent)
        {
            string expected = Payload.Sha256Hex(Payload.Bytes(sent.Type!, (int)sent.Length!.Value));
            if (expected != sent.Sha256)
            {
                Assert.Fail($"{Peer} generated a different {sent.Type} payload of {sent.Length} bytes than the harness: {sent}.{Environment.NewLine}{Describe()}");
            }
        }
        return this;
    }

    /// <summary>The whole transcript as text, for assertion messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("--- ").Append(Peer).Append(" → ").Append(Url).Append(", exit ").Append(ExitCode).AppendLine(", events:");
        foreach (PeerEvent e in Events)
        {
            string line = e.ToString();
            text.Append("      ").AppendLine(line.Length > 400 ? line[..400] + "…" : line);
        }
        text.AppendLine(Diagnostics);
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
