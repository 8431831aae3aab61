using System.IO.Compression;

namespace Ws101;

/// <summary>
/// How an endpoint uses permessage-deflate (RFC 7692): set <see cref="WebSocketConnectionOptions.Compression"/> to an
/// instance to turn it on (the server then accepts offers, the client makes one); null, the default, turns it off.
/// </summary>
/// <remarks>
/// <para>Memory per connection, measured on .NET 10 (zlib-ng) and written up in docs/compression.md: a compression
/// context with context takeover holds about 250 KiB of native memory for the connection's life (zlib's 15-bit
/// window, hash chains and pending buffer); a decompression context about 30 KiB; each context also keeps an 8 KiB managed buffer. With
/// <see cref="ServerNoContextTakeover"/> (on a server) or <see cref="ClientNoContextTakeover"/> (on a client) the
/// compression context exists only while a message is compressed, and when the peer agrees to reset its own context
/// the decompression context exists only while a message is inflated. Contexts are created on first use: a
/// connection that never sends or receives a compressed message holds neither.</para>
/// <para>The runtime's zlib compresses with a 15-bit window only (System.IO.Compression exposes no window size). When the
/// peer limits our window to 2^N bytes with N below 15, a message is compressed only when it is at most 2^N bytes long,
/// with a fresh context, so that no back-reference can reach further than N bits; longer messages go uncompressed.
/// Inflating always uses a 15-bit window, which reads data made with any smaller window.</para>
/// </remarks>
public sealed record PerMessageDeflateOptions
{
    /// <summary>
    /// The zlib level for sending. Default <see cref="System.IO.Compression.CompressionLevel.Fastest"/> (zlib level 1):
    /// on JSON-like text it gives most of the ratio of the default level at several times the speed (see docs/compression.md).
    /// </summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>
    /// Messages shorter than this many bytes are sent uncompressed (RSV1 clear). Default 128: below it, deflate's
    /// block overhead and the CPU cost outweigh the few bytes saved.
    /// </summary>
    public int MinimumMessageSize { get; init; } = 128;

    /// <summary>
    /// Server: always answer with <c>server_no_context_takeover</c> (the server then resets its context after each
    /// message and holds no compression context between messages). Client: offer it, asking the server to do so.
    /// Default false: context takeover compresses repeated structure across messages much better.
    /// </summary>
    public bool ServerNoContextTakeover { get; init; }

    /// <summary>
    /// Server: answer with <c>client_no_context_takeover</c>, asking the client to reset its context after each message,
    /// so that the server holds no decompression context between messages. Client: offer it (the client resets its own
    /// context after each message and holds no compression context between messages). Default false.
    /// </summary>
    public bool ClientNoContextTakeover { get; init; }

    /// <summary>
    /// Client only: offer <c>client_max_window_bits</c> (without a value), telling the server it may limit the client's
    /// window (RFC 7692 §7.1.2.2). Default false: the runtime compresses with a 15-bit window only, so under a smaller limit
    /// (Python's <c>websockets</c> answers 12) only messages of at most 2^N bytes could be compressed. Turn it on for a
    /// server that accepts no offer without it.
    /// </summary>
    public bool OfferClientMaxWindowBits { get; init; }

    /// <summary>Compression with the defaults.</summary>
    public static PerMessageDeflateOptions Default { get; } = new();

    internal void Validate()
    {
        if (MinimumMessageSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumMessageSize), MinimumMessageSize, "MinimumMessageSize cannot be negative.");
        }
        if (!Enum.IsDefined(CompressionLevel))
        {
            throw new ArgumentOutOfRangeException(nameof(CompressionLevel), CompressionLevel, "Not a compression level.");
        }
    }
}
