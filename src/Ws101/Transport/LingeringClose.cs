using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
namespace Ws101.Transport;

/// <summary>
/// Ends a connection without resetting it under the last thing this side sent (the server's answer over HTTP to a refused
/// upgrade, a 413 or a fallback page; either side's close frame when it failed the WebSocket connection): half-close, then read and discard what the client still sends until it closes too, within
/// <see cref="MaxBytes"/>, <see cref="MaxTime"/> in all and <see cref="IdleTime"/> between reads, the way nginx's
/// lingering close does.
/// </summary>
/// <remarks>
/// Why: a server that closes a socket while unread bytes wait in its receive buffer makes the kernel send a reset
/// (RFC 1122 §4.2.2.13), and a reset makes the client's kernel throw away what it has received and not yet handed to the
/// client, the answer included. A client that sends its whole request before reading (Python's urllib posting 2 MiB to
/// <c>/api/diagnose</c>) then got a broken pipe instead of the 413, one time in two. The bounds keep a client that never
/// stops sending, or never closes, from holding its place: past them the connection is closed (a reset, if it still sends).
/// The same holds for a WebSocket failed with 1009 while the peer still sends the message that was too big: closed at
/// once, the close frame that says 1009 was lost with the reset, and the peer saw its send fail instead.
/// </remarks>
internal static class LingeringClose
{
    /// <summary>The most bytes read and discarded after the answer. Default 8 MiB: an upload refused early, and more.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    /// <summary>The longest the draining lasts in all.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(5);

    /// <summary>The longest it waits for the next bytes (or the client's close).</summary>
    public static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(2);

    private const int ChunkBytes = 16 * 1024;

    /// <summary>Half-closes (FIN after the answer), then drains until the client closes or a bound is reached. Never throws for the connection's sake.</summary>
    public static async Task ShutdownAndDrainAsync(DuplexTransport transport, CancellationToken cancellationToken)
    {
        transport.ShutdownSend();
        byte[] sink = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long started = Stopwatch.GetTimestamp();
        try
        {
            for (long drained = 0; drained < MaxBytes;)
            {
                var left = MaxTime - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    return;
                }
                wait.CancelAfter(left < IdleTime ? left : IdleTime);
                int n = await transport.ReceiveAsync(sink, wait.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                drained += n;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client reset, the bound in time passed, or the server is stopping: close now.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }

    /// <summary>
    /// <see cref="ShutdownAndDrainAsync"/>, then disposes <paramref name="transport"/>: the end of a WebSocket connection this
    /// side failed, run in the background. Whatever the transport throws while draining, the end is the same: closed.
    /// </summary>
    public static async Task DrainThenDisposeAsync(DuplexTransport transport)
    {
        try
        {
            await ShutdownAndDrainAsync(transport, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (DuplexTransport.IsFailure(ex) || ex is InvalidOperationException)
        {
        }
        await transport.DisposeAsync().ConfigureAwait(false);
    }
}
