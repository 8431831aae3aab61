namespace Ws101.Protocol;

/// <summary>
/// Limits and behaviour of one connection's protocol core. Every limit has a safe default: a peer that is
/// hostile or broken cannot make the endpoint buffer more than these numbers say.
/// </summary>
public sealed class ProtocolOptions
{
    /// <summary>The default for <see cref="MaxFrameSize"/> and <see cref="MaxMessageSize"/>: 1 MiB.</summary>
    public const long DefaultMaxSize = 1024 * 1024;

    /// <summary>
    /// The largest payload length a single received frame may declare; a larger one fails the connection with
    /// 1009 (<see cref="CloseCode.MessageTooBig"/>) as soon as its header is read, before any payload arrives.
    /// Default 1 MiB: the 64-bit length field would otherwise let a peer announce 2^63 bytes, and no
    /// peer needs frames that big (browsers fragment at a few KiB to a few MiB); 1 MiB bounds the work
    /// of one frame while covering ordinary JSON, chat and game traffic. Raise it together with
    /// <see cref="MaxMessageSize"/> for bulk transfers (Autobahn|Testsuite section 9 sends up to 16 MiB).
    /// </summary>
    public long MaxFrameSize { get; init; } = DefaultMaxSize;

    /// <summary>
    /// The largest total payload of one received message (all its fragments); beyond it the connection fails
    /// with 1009. Default 1 MiB: under <see cref="ReceiveMode.WholeMessages"/> the message is reassembled in
    /// memory, so this is the worst-case buffer per connection (10,000 connections × 1 MiB = 10 GB would
    /// already be too much, but the buffer only grows to the largest message actually received). Under
    /// <see cref="ReceiveMode.Streaming"/> nothing is buffered and the limit may be raised freely
    /// (up to <see cref="long.MaxValue"/>).
    /// </summary>
    public long MaxMessageSize { get; init; } = DefaultMaxSize;

    /// <summary>Whether received messages are delivered whole (the default) or streamed as they arrive.</summary>
    public ReceiveMode ReceiveMode { get; init; } = ReceiveMode.WholeMessages;

    /// <summary>
    /// Answer every ping with a pong carrying the same payload, queued as pending output (RFC 6455 §5.5.2:
    /// an endpoint "MUST send a Pong frame in response"). Default true. When false, pings are always
    /// surfaced and the application must call <see cref="WebSocketConnectionCore.WritePong"/> itself.
    /// </summary>
    public bool AutoPong { get; init; } = true;

    /// <summary>
    /// Deliver received pings to the application as <see cref="ProtocolEventKind.Ping"/> events (they are still
    /// answered when <see cref="AutoPong"/> is on). Default false: most applications need not see them.
    /// Pongs are always delivered, since keep-alive logic measures them.
    /// </summary>
    public bool SurfacePings { get; init; }

    /// <summary>
    /// Reserved bits that a negotiated extension defines (RFC 6455 §5.2, §9): permessage-deflate sets
    /// <see cref="ReservedBits.Rsv1"/>. Such bits are accepted on the first frame of a data message only
    /// (the rule RFC 7692 §6 sets for RSV1) and reported in <see cref="ProtocolEvent.ReservedBits"/>;
    /// a message carrying one is not UTF-8 validated here, since its payload is transformed:
    /// the extension validates it after decoding. Any other set bit fails the connection with 1002.
    /// Default <see cref="ReservedBits.None"/>. permessage-deflate needs nothing here: a core given its agreement
    /// allows RSV1 and decodes such messages itself.
    /// </summary>
    internal ReservedBits AllowedReservedBits { get; init; } = ReservedBits.None;

    /// <summary>
    /// How many bytes of automatic pongs may wait in pending output. Beyond it, older pongs are dropped and
    /// only the newest is kept, as RFC 6455 §5.5.3 allows ("MAY elect to send a Pong frame for only the most
    /// recently processed Ping frame"); a flood of pings then cannot grow memory. Default 4 KiB.
    /// </summary>
    public int MaxPendingPongBytes { get; init; } = 4096;

    /// <summary>The defaults: 1 MiB frames and messages, whole messages, automatic pongs, no extension bits.</summary>
    public static ProtocolOptions Default { get; } = new();

    /// <summary>These options with <paramref name="size"/> as both <see cref="MaxFrameSize"/> and <see cref="MaxMessageSize"/> (the one limit an application sets).</summary>
    internal ProtocolOptions WithMaxSize(long size) => new()
    {
        MaxFrameSize = size,
        MaxMessageSize = size,
        ReceiveMode = ReceiveMode,
        AutoPong = AutoPong,
        SurfacePings = SurfacePings,
        AllowedReservedBits = AllowedReservedBits,
        MaxPendingPongBytes = MaxPendingPongBytes,
    };

    /// <summary>These options with another <see cref="ReceiveMode"/>.</summary>
    internal ProtocolOptions WithReceiveMode(ReceiveMode mode) => new()
    {
        MaxFrameSize = MaxFrameSize,
        MaxMessageSize = MaxMessageSize,
        ReceiveMode = mode,
        AutoPong = AutoPong,
        SurfacePings = SurfacePings,
        AllowedReservedBits = AllowedReservedBits,
        MaxPendingPongBytes = MaxPendingPongBytes,
    };

    internal void Validate()
    {
        if (MaxFrameSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameSize), MaxFrameSize, "MaxFrameSize cannot be negative.");
        }
        if (MaxMessageSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "MaxMessageSize cannot be negative.");
        }
        if (ReceiveMode == ReceiveMode.WholeMessages && MaxMessageSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize,
                $"Whole messages are reassembled in one array, so MaxMessageSize can be at most {Array.MaxLength}; use ReceiveMode.Streaming for larger ones.");
        }
        if ((AllowedReservedBits & ~(ReservedBits.Rsv1 | ReservedBits.Rsv2 | ReservedBits.Rsv3)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(AllowedReservedBits), AllowedReservedBits, "Only RSV1, RSV2 and RSV3 exist.");
        }
        if (MaxPendingPongBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPendingPongBytes), MaxPendingPongBytes, "MaxPendingPongBytes cannot be negative.");
        }
    }
}
