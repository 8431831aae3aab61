using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101;

public sealed partial class WebSocketConnection
{
    private PerMessageDeflate? _deflate;
    private bool _sendStreaming;
    private bool _sendDeflated;
    private Utf8Validator _inflatedUtf8;

    /// <summary>What permessage-deflate agreed for this connection (RFC 7692), or null when it is not in use.</summary>
    public PerMessageDeflateAgreement? PerMessageDeflate => _deflate?.Agreement;

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

    private void StartDeflate(PerMessageDeflateAgreement? agreement, WebSocketRole role)
    {
        if (agreement is not null)
        {
            _deflate = new PerMessageDeflate(agreement, role, _options.Compression ?? PerMessageDeflateOptions.Default, _options.Protocol.MaxMessageSize);
        }
    }

    /// <summary>Under the core's lock: writes a text message compressed. False when it is to go uncompressed.</summary>
    private bool TryWriteDeflatedText(string text, MessageCompression compression)
    {
        if (_deflate is null || compression == MessageCompression.Never || text.Length == 0)
        {
            return false;
        }
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int n = Encoding.UTF8.GetBytes(text, utf8);
            if (!TryWriteDeflated(utf8.AsSpan(0, n), MessageType.Text, endOfMessage: true, compression))
            {
                _core.WriteMessage(_out, MessageType.Text, utf8.AsSpan(0, n));
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <summary>
    /// Under the core's lock: writes a message, or a part of a streamed one, compressed (RFC 7692 §6: RSV1 on the first
    /// frame only). False when it is to go uncompressed; the first part of a message decides for all its parts.
    /// </summary>
    private bool TryWriteDeflated(ReadOnlySpan<byte> data, MessageType type, bool endOfMessage, MessageCompression compression)
    {
        if (_deflate is not { } deflate)
        {
            return false;
        }
        bool first = !_sendStreaming;
        if (first)
        {
            _sendDeflated = deflate.ShouldCompress(data.Length, whole: endOfMessage, compression);
        }
        if (!_sendDeflated)
        {
            _sendStreaming = !endOfMessage;
            return false;
        }
        ReadOnlySpan<byte> payload = deflate.Compressor.Compress(data, endOfMessage);
        // RFC 7692 §6: "the RSV1 bit is set [...] on the first frame of a compressed message" and clear on the others.
        _core.WriteFragment(_out, type, payload, endOfMessage, first ? ReservedBits.Rsv1 : ReservedBits.None);
        _sendStreaming = !endOfMessage;
        if (endOfMessage)
        {
            deflate.Compressor.Trim();
        }
        return true;
    }

    /// <summary>
    /// A received message (or chunk) with RSV1 set, when permessage-deflate is in use: inflates it (RFC 7692 §6.2), checks
    /// the size limit as bytes are produced and, for text, UTF-8. Returns the message to deliver, or the close after failing.
    /// </summary>
    private WebSocketMessage Inflate(in ProtocolEvent ev, ref bool flush)
    {
        var deflate = _deflate!;
        var status = deflate.Decompressor.Decompress(ev.Payload, ev.EndOfMessage, out var inflated);
        string? failure = null;
        CloseCode code = CloseCode.InvalidPayloadData;
        if (status == OperationStatus.DestinationTooSmall)
        {
            code = CloseCode.MessageTooBig;
            failure = $"A compressed message inflates to more than the limit of {_options.Protocol.MaxMessageSize} bytes (RFC 6455 §7.4.1 1009; inflation stopped at the limit).";
        }
        else if (status != OperationStatus.Done)
        {
            failure = "A compressed message is not valid DEFLATE data (RFC 7692 §6.2).";
        }
        else if (ev.MessageType == MessageType.Text)
        {
            // RFC 6455 §8.1 applies to the inflated text: invalid UTF-8 fails the connection with 1007.
            bool valid = _inflatedUtf8.Validate(inflated.Span);
            if (!valid || (ev.EndOfMessage && !_inflatedUtf8.IsComplete))
            {
                failure = "A compressed text message is not valid UTF-8 once inflated (RFC 6455 §8.1).";
            }
            if (ev.EndOfMessage || !valid)
            {
                _inflatedUtf8.Reset();
            }
        }
        if (failure is null)
        {
            return new WebSocketMessage(ev.MessageType == MessageType.Text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, inflated, ev.EndOfMessage);
        }
        _inflatedUtf8.Reset();
        ProtocolEvent error;
        lock (_core)
        {
            error = _core.FailForExtension(code, failure);
            flush = _core.HasPendingOutput;
        }
        return new WebSocketMessage(WebSocketMessageKind.Close, default, true, error.CloseStatus, error.CloseReason);
    }

    private void DisposeDeflate()
    {
        if (_deflate is { } deflate)
        {
            if (Volatile.Read(ref _receiving) == 0)
            {
                deflate.Dispose();
            }
            else
            {
                deflate.Compressor.Dispose();
            }
        }
    }
}
