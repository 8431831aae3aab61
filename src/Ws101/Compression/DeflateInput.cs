using System.Buffers;

namespace Ws101.Compression;

/// <summary>
/// The source a decompressor's <see cref="System.IO.Compression.DeflateStream"/> reads from: the compressed bytes of
/// the current message (or chunk), then, at the end of a message, the <c>00 00 ff ff</c> tail that RFC 7692 §7.2.2
/// says to append. Reading past them returns 0, which makes the stream hand back what it has inflated so far.
/// </summary>
internal sealed class DeflateInput : Stream
{
    private static readonly byte[] Tail = [0x00, 0x00, 0xff, 0xff];

    private ReadOnlySequence<byte> _data;
    private int _tailLeft;

    public void Set(in ReadOnlySequence<byte> data, bool appendTail)
    {
        _data = data;
        _tailLeft = appendTail ? Tail.Length : 0;
    }

    public bool HasRemaining => !_data.IsEmpty || _tailLeft > 0;

    public void Clear()
    {
        _data = default;
        _tailLeft = 0;
    }

    public override int Read(Span<byte> buffer)
    {
        int n = 0;
        if (!_data.IsEmpty)
        {
            n = (int)Math.Min(buffer.Length, _data.Length);
            _data.Slice(0, n).CopyTo(buffer);
            _data = _data.Slice(n);
        }
        if (n < buffer.Length && _tailLeft > 0)
        {
            int t = Math.Min(buffer.Length - n, _tailLeft);
            Tail.AsSpan(Tail.Length - _tailLeft, t).CopyTo(buffer[n..]);
            _tailLeft -= t;
            n += t;
        }
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
