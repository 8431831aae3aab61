using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ws101.Interop.Harness;

/// <summary>
/// What a scripted peer does on a connection, and how it connects or listens: the JSON "config" that
/// tests/peers/node/peer.js and tests/peers/python/peer.py read, and that <see cref="ChromiumPeer"/>
/// runs in the browser. A client runs the steps once it is open, then closes with 1000 if still open;
/// a server runs them on every connection it accepts, echoing (by default) meanwhile.
/// </summary>
/// <example>
/// <code>
/// var script = new PeerScript().SendText(125).Receive().SendBinary(1 &lt;&lt; 20, fragments: 4).Receive().Ping().Close(4000, "done");
/// </code>
/// </example>
public sealed class PeerScript
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly List<PeerStep> _steps = [];

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<PeerStep> Steps => _steps;

    /// <summary>Echo every message received (same type and payload). Null: a server echoes, a client does not.</summary>
    public bool? Echo { get; set; }

    /// <summary>Echo each message split into this many frames (to send fragmented messages back).</summary>
    public int EchoFragments { get; set; } = 1;

    /// <summary>Offer (client) or accept (server) permessage-deflate. Browsers always offer it; the option does not apply to them.</summary>
    public bool PerMessageDeflate { get; set; }

    /// <summary>Subprotocols a client offers, or a server accepts (the first offered that is in this list wins).</summary>
    public IList<string> Protocols { get; } = [];

    /// <summary>Extra request headers a client sends (not possible in a browser).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>();

    /// <summary>
    /// Request headers a client sends instead of the ones its library writes (Python's websockets only: to send, say, a
    /// Sec-WebSocket-Version other than 13). Unlike <see cref="Headers"/>, these replace rather than add.
    /// </summary>
    public IDictionary<string, string> ReplaceHeaders { get; } = new Dictionary<string, string>();

    /// <summary>The Origin header a client sends (a browser sends its page's origin instead).</summary>
    public string? Origin { get; set; }

    /// <summary>For a server: serve wss with this certificate.</summary>
    public TestCertificate? ServerCertificate { get; set; }

    /// <summary>For a client connecting to wss: trust this certificate (as the only extra CA).</summary>
    public TestCertificate? TrustedCertificate { get; set; }

    /// <summary>The largest message the peer accepts; default 64 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>The bound on each step (and on the opening handshake); default <see cref="PeerTimeouts.Step"/>.</summary>
    public TimeSpan StepTimeout { get; set; } = PeerTimeouts.Step;

    /// <summary>The bound on a whole client run; default <see cref="PeerTimeouts.Run"/> less a margin for the process to report.</summary>
    public TimeSpan RunTimeout { get; set; } = PeerTimeouts.Run - TimeSpan.FromSeconds(5);

    /// <summary>
    /// A script that sends every size of <see cref="Payload.WireSizes"/> as text and then as binary,
    /// waiting for each echo before the next (then <see cref="PeerTranscript.EnsureEverySentMessageWasEchoed"/>).
    /// </summary>
    public static PeerScript EchoEveryWireSize()
    {
        var script = new PeerScript();
        foreach (int size in Payload.WireSizes)
        {
            script.SendText(size).Receive().SendBinary(size).Receive();
        }
        return script;
    }

    /// <summary>Appends any step.</summary>
    public PeerScript Add(PeerStep step)
    {
        _steps.Add(step);
        return this;
    }

    /// <summary>Sends the generated text payload of <paramref name="size"/> bytes, split into <paramref name="fragments"/> frames.</summary>
    public PeerScript SendText(int size, int fragments = 1) =>
        Add(new PeerStep { Op = "send", Type = PeerMessageType.Text, Size = size, Fragments = fragments == 1 ? null : fragments });

    /// <summary>Sends the given text.</summary>
    public PeerScript SendText(string text, int fragments = 1) =>
        Add(new PeerStep { Op = "send", Type = PeerMessageType.Text, Text = text, Fragments = fragments == 1 ? null : fragments });

    /// <summary>Sends the generated binary payload of <paramref name="size"/> bytes, split into <paramref name="fragments"/> frames.</summary>
    public PeerScript SendBinary(int size, int fragments = 1) =>
        Add(new PeerStep { Op = "send", Type = PeerMessageType.Binary, Size = size, Fragments = fragments == 1 ? null : fragments });

    /// <summary>Sends the given bytes as a binary message.</summary>
    public PeerScript SendBinary(byte[] bytes, int fragments = 1) =>
        Add(new PeerStep { Op = "send", Type = PeerMessageType.Binary, Base64 = Convert.ToBase64String(bytes), Fragments = fragments == 1 ? null : fragments });

    /// <summary>Sends one generated message of the given type ("text" or "binary") and size.</summary>
    public PeerScript Send(string type, int size, int fragments = 1) =>
        type == PeerMessageType.Text ? SendText(size, fragments) : SendBinary(size, fragments);

    /// <summary>Waits for <paramref name="count"/> messages (each is reported as it arrives; this only waits).</summary>
    public PeerScript Receive(int count = 1) => Add(new PeerStep { Op = "receive", Count = count == 1 ? null : count });

    /// <summary>Sends a ping with <paramref name="text"/> as payload and waits for its pong (not possible in a browser).</summary>
    public PeerScript Ping(string text = "ws101") => Add(new PeerStep { Op = "ping", Text = text });

    /// <summary>Starts the closing handshake with <paramref name="code"/> and <paramref name="reason"/> (no status when code is null) and waits for it to finish.</summary>
    public PeerScript Close(int? code = 1000, string reason = "") =>
        Add(new PeerStep { Op = "close", Code = code, Reason = code is null ? null : reason });

    /// <summary>Waits for the other side to close.</summary>
    public PeerScript WaitClose() => Add(new PeerStep { Op = "wait_close" });

    /// <summary>Waits <paramref name="milliseconds"/> (bounded by the step timeout).</summary>
    public PeerScript Sleep(int milliseconds) => Add(new PeerStep { Op = "sleep", Milliseconds = milliseconds });

    /// <summary>Drops the TCP connection without a closing handshake.</summary>
    public PeerScript Terminate() => Add(new PeerStep { Op = "terminate" });

    /// <summary>The config JSON for a peer script; certificate paths come from <paramref name="files"/>.</summary>
    public string ToJson(PeerCertificateFiles? files = null)
    {
        var config = new Dictionary<string, object?>
        {
            ["steps"] = _steps,
            ["echo"] = Echo,
            ["echoFragments"] = EchoFragments,
            ["perMessageDeflate"] = PerMessageDeflate,
            ["protocols"] = Protocols,
            ["headers"] = Headers,
            ["replaceHeaders"] = ReplaceHeaders,
            ["origin"] = Origin,
            ["maxMessageBytes"] = MaxMessageBytes,
            ["timeoutMs"] = (int)RunTimeout.TotalMilliseconds,
            ["stepTimeoutMs"] = (int)StepTimeout.TotalMilliseconds,
            ["lifetimeMs"] = (int)PeerTimeouts.ProcessLifetime.TotalMilliseconds,
        };
        if (files?.ServerCertificatePath is { } cert)
        {
            config["tls"] = new Dictionary<string, string> { ["cert"] = cert, ["key"] = files.ServerKeyPath! };
        }
        if (files?.TrustedCertificatePath is { } ca)
        {
            config["ca"] = ca;
        }
        foreach (string unset in config.Where(c => c.Value is null).Select(c => c.Key).ToList())
        {
            config.Remove(unset);
        }
        return JsonSerializer.Serialize(config, Json);
    }
}
