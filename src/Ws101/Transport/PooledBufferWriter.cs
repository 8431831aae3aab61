using System.Buffers;

namespace Ws101.Transport;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over one array rented from the shared pool, reset after each flush.
/// It holds no array while empty, so an idle connection pays nothing for it; a buffer grown for a large
/// message goes back to the pool once written out.
/// </summary>
/// <remarks>Not sealed: a connection's FrameWriter is its outgoing buffer, so that an idle connection holds one object for both.</remarks>
internal class PooledBufferWriter : IBufferWriter<byte>
{
    private const int MinimumSize = 4096;
    private byte[]? _buffer;
    private int _written;

    public int WrittenCount => _written;

    /// <summary>The size of the array held now (0 when none is).</summary>
    public int Capacity => _buffer?.Length ?? 0;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer is null ? default : _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _buffer is null || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written; keeps a small array for reuse, returns a large one to the pool.</summary>
    public void Reset(bool release)
    {
        _written = 0;
        if (_buffer is not null && (release || _buffer.Length > 64 * 1024))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumSize, (_buffer?.Length ?? 0) * 2)));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = bigger;
    }
}
