using System.Buffers;

namespace Ws101.Compression;

/// <summary>The sink a compressor's <see cref="System.IO.Compression.DeflateStream"/> writes into: a growable pooled buffer.</summary>
internal sealed class DeflateOutput : Stream
{
    private byte[] _buffer = [];
    private int _count;

    /// <summary>When set, writes are dropped (the final block a disposed stream writes).</summary>
    public bool Discard { get; set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _count);

    public int Count
    {
        get => _count;
        set => _count = value;
    }

    public void Reset() => _count = 0;

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Release()
    {
        _count = 0;
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Discard)
        {
            return;
        }
        if (_buffer.Length - _count < buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_count + buffer.Length, Math.Max(256, _buffer.Length * 2)));
            _buffer.AsSpan(0, _count).CopyTo(bigger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = bigger;
        }
        buffer.CopyTo(_buffer.AsSpan(_count));
        _count += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _count;
    public override long Position { get => _count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
