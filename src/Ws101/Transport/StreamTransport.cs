using System.Net;

namespace Ws101.Transport;

/// <summary>
/// A stream over a socket, such as the <see cref="System.Net.Security.SslStream"/> of a wss:// connection, or a stream
/// another engine hands over: an upgraded ASP.NET Core request, an HTTP/2 stream (RFC 8441). <paramref name="owner"/>, when
/// given, is what keeps that stream alive (the HTTP response it came from) and is disposed with it. With
/// <paramref name="flushEachSend"/>, every send is flushed: for a stream that buffers writes until then (the HTTP/2
/// request stream of <c>SocketsHttpHandler</c>).
/// </summary>
internal sealed class StreamTransport(Stream stream, DuplexTransport? inner, EndPoint? remote = null, EndPoint? local = null,
    IDisposable? owner = null, bool flushEachSend = false) : DuplexTransport
{
    private int _disposed;

    public override EndPoint? RemoteEndPoint => inner?.RemoteEndPoint ?? remote;

    public override EndPoint? LocalEndPoint => inner?.LocalEndPoint ?? local;

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.ReadAsync(buffer, cancellationToken);

    public override ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken) =>
        // SslStream supports zero-byte reads (since .NET 6): it waits for data without a user buffer.
        stream.ReadAsync(Memory<byte>.Empty, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        flushEachSend ? WriteAndFlushAsync(data, cancellationToken) : stream.WriteAsync(data, cancellationToken);

    private async ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void ShutdownSend()
    {
        if (stream is System.Net.Security.SslStream ssl)
        {
            try
            {
                // Send TLS close_notify before the FIN so the peer sees a clean TLS end.
                var closeNotify = ssl.ShutdownAsync();
                if (!closeNotify.IsCompleted && inner is Linux.EpollSocketTransport loopDriven)
                {
                    // On an event loop the write completes on the loop's own thread, which this may be: waiting here
                    // could stall every connection of the loop. The FIN follows the close_notify once it is written.
                    closeNotify.ContinueWith(static (written, state) =>
                    {
                        _ = written.Exception;
                        ((DuplexTransport)state!).ShutdownSend();
                    }, loopDriven, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return;
                }
                closeNotify.Wait(TimeSpan.FromSeconds(1));
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or AggregateException or InvalidOperationException)
            {
            }
        }
        if (inner is not null)
        {
            inner.ShutdownSend();
        }
        else
        {
            // A stream handed over by another server (an upgraded ASP.NET Core request): closing it ends the connection.
            stream.Dispose();
        }
    }

    public override void Abort()
    {
        if (inner is not null)
        {
            inner.Abort();
        }
        else
        {
            stream.Dispose();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            owner?.Dispose();
            if (inner is not null)
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
