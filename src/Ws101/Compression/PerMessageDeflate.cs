using System.Buffers;
using Ws101.Protocol;

namespace Ws101.Compression;

/// <summary>
/// One connection's permessage-deflate state once negotiated: the compressor for what this side sends and the
/// decompressor for what it receives, each configured from the agreement for this side's role.
/// </summary>
internal sealed class PerMessageDeflate : IDisposable
{
    private readonly PerMessageDeflateOptions _options;

    public PerMessageDeflate(PerMessageDeflateAgreement agreement, WebSocketRole role, PerMessageDeflateOptions options, long maxMessageSize)
    {
        Agreement = agreement;
        _options = options;
        var peer = role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;
        Compressor = new PerMessageDeflateCompressor(options.CompressionLevel, agreement.NoContextTakeover(role), agreement.MaxWindowBits(role));
        Decompressor = new PerMessageDeflateDecompressor(maxMessageSize, agreement.NoContextTakeover(peer));
    }

    public PerMessageDeflateAgreement Agreement { get; }

    public PerMessageDeflateCompressor Compressor { get; }

    public PerMessageDeflateDecompressor Decompressor { get; }

    /// <summary>Whether to compress a message starting with a part of <paramref name="length"/> bytes (the whole message when <paramref name="whole"/>).</summary>
    public bool ShouldCompress(int length, bool whole, MessageCompression choice) => choice switch
    {
        MessageCompression.Never => false,
        // RFC 7692 §6: "An endpoint MAY choose not to compress a message": too small to gain, or beyond the window the peer allows.
        MessageCompression.Always => Compressor.CanCompress(whole ? length : null),
        _ => Compressor.CanCompress(whole ? length : null) && (!whole || length >= _options.MinimumMessageSize),
    };

    public void Dispose()
    {
        Compressor.Dispose();
        Decompressor.Dispose();
    }
}
