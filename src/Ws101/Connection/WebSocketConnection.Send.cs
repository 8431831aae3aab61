using System.Buffers;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Transport;
using Kind = Ws101.SendCommand.Kind;

namespace Ws101;

// Sending: what the application asks for becomes a SendCommand, which the FrameWriter frames and writes in its turn.
public sealed partial class WebSocketConnection
{
    private PingRoundTrip _ping;

    /// <summary>Sends a whole text message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished.</exception>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) =>
        SendTextAsync(text, MessageCompression.Auto, cancellationToken);

    /// <summary>Sends a whole text message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <inheritdoc cref="SendTextAsync(string, CancellationToken)"/>
    public ValueTask SendTextAsync(string text, MessageCompression compression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _writer.SendAsync(new SendCommand(Kind.Text, text, default, WebSocketMessageKind.Text, true, compression), cancellationToken);
    }

    /// <summary>Sends a whole binary message.</summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">A streamed message is unfinished.</exception>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendBinaryAsync(data, MessageCompression.Auto, cancellationToken);

    /// <summary>Sends a whole binary message, choosing whether it is compressed (when permessage-deflate was negotiated).</summary>
    /// <inheritdoc cref="SendBinaryAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, MessageCompression compression, CancellationToken cancellationToken = default) =>
        _writer.SendAsync(new SendCommand(Kind.Message, null, data, WebSocketMessageKind.Binary, true, compression), cancellationToken);

    /// <summary>
    /// Sends a message or, with <paramref name="endOfMessage"/> false, the next part of a streamed one: the first
    /// part fixes the type; the part with <paramref name="endOfMessage"/> true ends the message. A text message's
    /// bytes must be UTF-8 (a code point may be split across parts).
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageKind kind, bool endOfMessage = true, CancellationToken cancellationToken = default) =>
        SendAsync(data, kind, endOfMessage, MessageCompression.Auto, cancellationToken);

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
        return _writer.SendAsync(new SendCommand(Kind.Part, null, data, kind, endOfMessage, compression), cancellationToken);
    }

    /// <summary>
    /// Sends a ping and waits for its pong; returns the round-trip time. The pong is read by the receive loop,
    /// so a <see cref="ReceiveAsync"/> must be running (or run) for this to complete.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is longer than 125 bytes (RFC 6455 §5.5).</exception>
    /// <exception cref="WebSocketClosedException">The connection closed before the pong came.</exception>
    public async Task<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        if (payload.Length > FrameHeader.MaxControlPayload)
        {
            throw new ArgumentException($"A ping carries at most {FrameHeader.MaxControlPayload} bytes (RFC 6455 §5.5).", nameof(payload));
        }
        var pong = _ping.Start();
        await _writer.SendAsync(new SendCommand(Kind.Ping, null, payload), cancellationToken).ConfigureAwait(false);
        return await pong.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message framed once for many connections. Waits for the send like <see cref="SendBinaryAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">This is a client connection (clients mask every frame), or a streamed message is unfinished.</exception>
    public ValueTask SendPreparedAsync(PreparedMessage message, CancellationToken cancellationToken = default) =>
        _writer.SendPreparedAsync(message, cancellationToken);

    /// <summary>
    /// Writes whole messages framed elsewhere (one frame, or frames end to end) in one turn, straight from
    /// <paramref name="frames"/>: how topics, above this layer, hand their queue to the connection. False, writing
    /// nothing, while a streamed message is unfinished (a whole message may not cut in between its fragments).
    /// </summary>
    /// <exception cref="WebSocketClosedException">The connection is closing or closed.</exception>
    /// <exception cref="InvalidOperationException">This is a client connection.</exception>
    /// <exception cref="ArgumentException"><paramref name="frames"/> are not whole unmasked data frames.</exception>
    internal ValueTask<bool> SendPreparedFramesAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken) =>
        _writer.SendPreparedAsync(frames, cancellationToken);

    /// <summary>Under the lock: why nothing more can be sent, for a send refused because the connection closed or is closing.</summary>
    internal WebSocketClosedException ClosedError(Exception? inner) => Core.Error is { } error
        ? new WebSocketClosedException($"The connection failed: {error}; nothing more can be sent.", error, inner)
        : _end.HasEnded
        ? new WebSocketClosedException($"The connection is closed ({(int?)CloseStatus} {CloseReason}); nothing more can be sent.", CloseStatus, inner)
        : new WebSocketClosedException($"The connection is {Core.State}; no data can be sent after a close (RFC 6455 §5.5.1).", CloseStatus, inner);

    /// <summary>A write failed (it may have cut a frame): ends the connection, and says so to the sender.</summary>
    internal WebSocketClosedException WriteFailed(Exception ex)
    {
        End(ConnectionEnding.TransportEnded, CloseCode.AbnormalClosure, "The connection failed while sending.");
        return new WebSocketClosedException($"The connection ended while sending: {ex.Message}", CloseStatus, ex);
    }
}
