namespace Ws101.Benchmarks.Connection;

/// <summary>
/// The anchor's side of <see cref="ReadyFramesTransport"/>: a stream from which every read returns the next copy of one
/// frame (the whole frame, or as much as the reader asks for) and into which every write goes nowhere. .NET's own
/// WebSocket (what Kestrel's UseWebSockets runs) reads and writes through it.
/// </summary>
internal sealed class ReadyFramesStream : Stream
{
    private readonly byte[] _frame;
    private int _taken;

    public ReadyFramesStream(byte[] frame) => _frame = frame;

    /// <summary>Bytes written.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _frame.Length - _taken);
        _frame.AsSpan(_taken, n).CopyTo(buffer);
        _taken = _taken + n == _frame.Length ? 0 : _taken + n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

    public override void Write(byte[] buffer, int offset, int count) => BytesWritten += count;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BytesWritten += buffer.Length;
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
