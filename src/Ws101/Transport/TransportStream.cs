namespace Ws101.Transport;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="DuplexTransport"/>, for the <see cref="System.Net.Security.SslStream"/> of a wss://
/// connection on the event loop: the TLS records are read and written with the loop's non-blocking calls, and the
/// decrypting and encrypting continue on the loop thread where the I/O completed, with no hand-off to the thread pool.
/// Asynchronous only: a synchronous call would block the loop thread every other connection of that loop shares.
/// </summary>
internal sealed class TransportStream(DuplexTransport transport) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        // SslStream reads zero bytes while its own buffer is empty, to wait for data without holding a buffer (an idle
        // connection then holds none): the transport's readiness wait is exactly that.
        buffer.IsEmpty ? transport.WaitReadableAsync(cancellationToken) : transport.ReceiveAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        transport.SendAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Every write goes to the socket at once: there is nothing to flush.
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A transport stream is read asynchronously only: a blocking read would stall its event loop.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A transport stream is written asynchronously only: a blocking write would stall its event loop.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
