using Ws101.Protocol;
using Ws101.Client;

namespace Ws101;

/// <summary>
/// A client connection that reopens itself: when the connection ends with a status <see cref="ReconnectOptions.ShouldReconnect"/>
/// accepts (1001 or 1006 by default, never 1000), the next receive waits (exponential backoff with jitter), connects
/// again and goes on; <see cref="Reconnecting"/> and <see cref="Reconnected"/> tell the application, which may need
/// to subscribe again or resend state. Messages sent while the connection is down fail; nothing is queued.
/// </summary>
public sealed class ReconnectingWebSocket : IAsyncDisposable
{
    private readonly Uri _uri;
    private readonly WebSocketClientOptions _options;
    private readonly ReconnectOptions _reconnect;
    private WebSocketConnection _current;
    private volatile bool _closing;
    // How the application closed (CloseAsync); a dispose goes away (1001), as the connection's own dispose does.
    private CloseCode _closeCode = CloseCode.GoingAway;
    private string _closeReason = "";

    private ReconnectingWebSocket(Uri uri, WebSocketClientOptions options, ReconnectOptions reconnect, WebSocketConnection first)
    {
        _uri = uri;
        _options = options;
        _reconnect = reconnect;
        _current = first;
    }

    /// <summary>Raised before each attempt: the attempt number (1 for the first), the wait before it, and the status that ended the connection.</summary>
    public event Action<int, TimeSpan, CloseCode?>? Reconnecting;

    /// <summary>Raised with the new connection once reconnected.</summary>
    public event Action<WebSocketConnection>? Reconnected;

    /// <summary>The connection in use now.</summary>
    public WebSocketConnection Current => _current;

    /// <summary>With <see cref="ReconnectOptions.ResumeTopic"/>: the position of the last positioned message received, given back as <c>since=</c> on reconnecting.</summary>
    public string? LastPosition { get; private set; }

    /// <summary>Connects for the first time (a failure here is thrown, not retried).</summary>
    public static async Task<ReconnectingWebSocket> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new WebSocketClientOptions();
        var first = await WebSocketClient.ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
        return new ReconnectingWebSocket(uri, options, reconnect ?? new ReconnectOptions(), first);
    }

    /// <summary>
    /// Receives the next message, reconnecting as needed. Returns a close only when the connection ended for good:
    /// closed by this side, a status not to reconnect on, or <see cref="ReconnectOptions.MaxAttempts"/> used up.
    /// </summary>
    public async ValueTask<WebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var message = await _current.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (_reconnect.ResumeTopic && PositionedMessage.TryRead(message, out var positioned) && positioned.Position is { } position)
            {
                LastPosition = position;
            }
            if (!message.IsClose || _closing || !_reconnect.ShouldReconnect(message.CloseStatus))
            {
                return message;
            }
            if (!await ReconnectAsync(message.CloseStatus, cancellationToken).ConfigureAwait(false))
            {
                return message;
            }
        }
    }

    /// <summary>Sends a text message on the current connection.</summary>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) => _current.SendTextAsync(text, cancellationToken);

    /// <summary>Sends a binary message on the current connection.</summary>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => _current.SendBinaryAsync(data, cancellationToken);

    /// <summary>Closes for good: no reconnect follows.</summary>
    public Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        // Set before the mark: a reconnect that sees the mark closes the connection it made with these.
        _closeCode = code;
        _closeReason = reason;
        return StopReconnecting().CloseAsync(code, reason, cancellationToken);
    }

    /// <summary>
    /// Marks this closed for good and returns the connection to end now. The application may close while a reconnect is
    /// connecting: a full fence between the mark and the look at the current connection here, and between storing the new
    /// connection and the look at the mark there (ReconnectAsync), so that this finds the new connection, or the reconnect
    /// finds the mark and ends the connection it made (or both: ending twice is harmless). Otherwise that connection would
    /// live on, unowned, and the receive go on over it.
    /// </summary>
    private WebSocketConnection StopReconnecting()
    {
        _closing = true;
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref _current);
    }

    private async Task<bool> ReconnectAsync(CloseCode? status, CancellationToken cancellationToken)
    {
        await _current.DisposeAsync().ConfigureAwait(false);
        var delay = _reconnect.InitialDelay;
        for (int attempt = 1; _reconnect.MaxAttempts == 0 || attempt <= _reconnect.MaxAttempts; attempt++)
        {
            // Full jitter between half and all of the delay, so that many clients dropped together do not return together.
            var wait = TimeSpan.FromMilliseconds(delay.TotalMilliseconds * (0.5 + (Random.Shared.NextDouble() / 2)));
            Reconnecting?.Invoke(attempt, wait, status);
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            if (_closing)
            {
                return false;
            }
            try
            {
                var uri = _reconnect.ResumeTopic && LastPosition is { } last ? WithSince(_uri, last) : _uri;
                var next = await WebSocketClient.ConnectAsync(uri, _options, cancellationToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _current, next);
                if (_closing)
                {
                    // Closed or disposed while this connected (see StopReconnecting): the new connection goes too.
                    try
                    {
                        await next.CloseAsync(_closeCode, _closeReason, CancellationToken.None).ConfigureAwait(false);
                    }
                    finally
                    {
                        await next.DisposeAsync().ConfigureAwait(false);
                    }
                    return false;
                }
                Reconnected?.Invoke(next);
                return true;
            }
            catch (WebSocketHandshakeException)
            {
                delay = TimeSpan.FromMilliseconds(Math.Min(_reconnect.MaxDelay.TotalMilliseconds, delay.TotalMilliseconds * 2));
            }
        }
        return false;
    }

    /// <summary><paramref name="uri"/> with its <c>since</c> query parameter set to <paramref name="position"/> (others kept).</summary>
    internal static Uri WithSince(Uri uri, string position)
    {
        var kept = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("since=", StringComparison.Ordinal) && p != "since");
        var builder = new UriBuilder(uri) { Query = string.Join('&', kept.Append("since=" + Uri.EscapeDataString(position))) };
        return builder.Uri;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => StopReconnecting().DisposeAsync();
}
