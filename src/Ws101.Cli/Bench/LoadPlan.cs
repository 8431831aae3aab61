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
        // Fail here, before any socket, when an option cannot make a valid request (a header with a line break, ...).
        ClientHandshakeRequest.Create(url, settings.Handshake);
        Payload = MaskedFrames.Payload(settings.Size, settings.Text);
        MessageFrames = settings.Mode == BenchMode.Echo ? MaskedFrames.Message(Payload, settings.Text) : [];
        CloseFrame = MaskedFrames.Close(1000);
        // The timeline covers the warm-up, the measured window and a few seconds for the drain after it.
        Seconds = (int)Math.Ceiling(settings.Warmup.TotalSeconds + settings.Duration.TotalSeconds) + 4;
    }

    public BenchSettings Settings { get; }

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
