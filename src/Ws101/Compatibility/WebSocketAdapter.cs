using System.Net.WebSockets;
using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// A Ws101 connection seen as a <see cref="WebSocket"/>, so that code written against <c>System.Net.WebSockets</c>
/// runs on Ws101 unchanged. A message larger than the caller's buffer is handed out in parts, with
/// <see cref="WebSocketReceiveResult.EndOfMessage"/> set on the last, as <see cref="WebSocket"/> callers expect.
/// </summary>
/// <example>
/// <code>
/// server.Map("/legacy", async (connection, ct) => await ExistingEchoLoop(new WebSocketAdapter(connection), ct));
/// </code>
/// </example>
public sealed class WebSocketAdapter : WebSocket
{
    private readonly WebSocketConnection _connection;
    private WebSocketMessage _pending;
    private int _pendingOffset;
    private bool _hasPending;
    private bool _disposed;

    /// <summary>Wraps <paramref name="connection"/>; the adapter then owns the receiving side (do not also call its ReceiveAsync).</summary>
    public WebSocketAdapter(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    /// <summary>The Ws101 connection underneath.</summary>
    public WebSocketConnection Connection => _connection;

    /// <inheritdoc />
    public override WebSocketCloseStatus? CloseStatus => (WebSocketCloseStatus?)(int?)_connection.CloseStatus;

    /// <inheritdoc />
    public override string? CloseStatusDescription => _connection.CloseReason;

    /// <inheritdoc />
    public override string? SubProtocol => _connection.Subprotocol;

    /// <inheritdoc />
    public override WebSocketState State => _disposed && _connection.State != ConnectionState.Closed ? WebSocketState.Aborted : _connection.State switch
    {
        ConnectionState.Open => WebSocketState.Open,
        ConnectionState.CloseSent => WebSocketState.CloseSent,
        ConnectionState.CloseReceived => WebSocketState.CloseReceived,
        _ => WebSocketState.Closed,
    };

    /// <inheritdoc />
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var r = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return r.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, CloseStatus, CloseStatusDescription)
            : new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage);
    }

    /// <inheritdoc />
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_hasPending)
        {
            // The message's data stays valid until the next receive on the connection, which happens only once
            // every part of it has been handed out: no copy is needed to split it.
            while (true)
            {
                _pending = await _connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (_pending.Kind != WebSocketMessageKind.Ping)
                {
                    break;
                }
            }
            if (_pending.IsClose)
            {
                return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
            }
            _pendingOffset = 0;
            _hasPending = true;
        }
        var data = _pending.Data;
        int count = Math.Min(buffer.Length, data.Length - _pendingOffset);
        data.Slice(_pendingOffset, count).CopyTo(buffer);
        _pendingOffset += count;
        bool done = _pendingOffset == data.Length;
        if (done)
        {
            _hasPending = false;
        }
        var type = _pending.Kind == WebSocketMessageKind.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        return new ValueWebSocketReceiveResult(count, type, done && _pending.EndOfMessage);
    }

    /// <inheritdoc />
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    /// <inheritdoc />
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var kind = messageType switch
        {
            WebSocketMessageType.Text => WebSocketMessageKind.Text,
            WebSocketMessageType.Binary => WebSocketMessageKind.Binary,
            _ => throw new ArgumentException("Close with CloseAsync or CloseOutputAsync, not SendAsync.", nameof(messageType)),
        };
        return _connection.SendAsync(buffer, kind, endOfMessage, cancellationToken);
    }

    /// <inheritdoc />
    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        _connection.CloseAsync((CloseCode)closeStatus, statusDescription ?? "", cancellationToken);

    /// <inheritdoc />
    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        await _connection.SendCloseAsync((CloseCode)closeStatus, statusDescription ?? "", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override void Abort() => _connection.Abort();

    /// <inheritdoc />
    public override void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_connection.State != ConnectionState.Closed)
            {
                _connection.Abort();
            }
        }
    }
}
