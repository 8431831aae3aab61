using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101;

public sealed partial class WebSocketConnection
{
    /// <summary>What permessage-deflate agreed for this connection (RFC 7692), or null when it is not in use.</summary>
    public PerMessageDeflateAgreement? PerMessageDeflate => _core.PerMessageDeflate;

    /// <summary>Sends a whole text message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendTextAsync(string text, MessageCompression compression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendCoreAsync(SendKind.Text, text, default, MessageType.Text, true, cancellationToken: cancellationToken, compression: compression);
    }

    /// <summary>Sends a whole binary message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, MessageCompression compression, CancellationToken cancellationToken = default) =>
        SendCoreAsync(SendKind.Data, null, data, MessageType.Binary, true, cancellationToken: cancellationToken, compression: compression);

    /// <summary>
    /// Sends a message or the next part of a streamed one (as <see cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageKind, bool, CancellationToken)"/>),
    /// choosing whether it is compressed; for a streamed message the first part decides for the whole message.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageKind kind, bool endOfMessage, MessageCompression compression,
        CancellationToken cancellationToken = default)
    {
        if (kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Data messages are text or binary; use PingAsync and CloseAsync for the others.");
        }
        return SendCoreAsync(SendKind.Data, null, data, kind == WebSocketMessageKind.Text ? MessageType.Text : MessageType.Binary, endOfMessage,
            cancellationToken: cancellationToken, compression: compression);
    }
}
