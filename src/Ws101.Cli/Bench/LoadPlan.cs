using Ws101.Handshake;

namespace Ws101.Cli.Bench;

/// <summary>What every load loop of one run against one server shares: the target, the settings and the prebuilt frames.</summary>
internal sealed class LoadPlan
{
    public LoadPlan(BenchSettings settings, Uri url, TargetAddress target)
    {
        Settings = settings;
        Url = url;
        Target = target;
        // Fails here, before any socket, when an option cannot make a valid request (a header with a line break, ...).
        Requests = [.. Enumerable.Range(0, RequestVariants).Select(_ => ClientHandshakeRequest.Create(url, settings.Handshake))];
        RequestBytes = [.. Requests.Select(r => r.ToBytes())];
        Payload = MaskedFrames.Payload(settings.Size, settings.Text);
        MessageFrames = settings.Mode == BenchMode.Echo ? MaskedFrames.Message(Payload, settings.Text) : [];
        CloseFrame = MaskedFrames.Close(1000);
        // The timeline covers the warm-up, the measured window and a few seconds for the drain after it.
        Seconds = (int)Math.Ceiling(settings.Warmup.TotalSeconds + settings.Duration.TotalSeconds) + 4;
    }

    /// <summary>
    /// How many upgrade requests, each with its own random key, are built before the run and used in turn. RFC 6455 §4.1
    /// wants a fresh nonce per connection so that the accept proves the server read this request; a rotation of 64 keeps
    /// that proof (a cached or replayed answer still fails the accept check) without a key, a SHA-1 and a request text
    /// per connection in a loop of thousands of handshakes a second.
    /// </summary>
    public const int RequestVariants = 64;

    public BenchSettings Settings { get; }

    /// <summary>The upgrade requests, used in turn.</summary>
    public ClientHandshakeRequest[] Requests { get; }

    /// <summary>Their bytes.</summary>
    public byte[][] RequestBytes { get; }

    public Uri Url { get; }

    public TargetAddress Target { get; }

    /// <summary>The payload an echo must match (and the body of a fanout message after its stamp).</summary>
    public byte[] Payload { get; }

    /// <summary>The echo message, framed and masked once per key.</summary>
    public byte[][] MessageFrames { get; }

    /// <summary>The client's close frame, 1000.</summary>
    public byte[] CloseFrame { get; }

    /// <summary>Seconds of timeline each loop keeps.</summary>
    public int Seconds { get; }
}
