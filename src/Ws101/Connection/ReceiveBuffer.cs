using System.Buffers;

namespace Ws101;

/// <summary>
/// The bytes read from the transport and not yet parsed. The array is rented from the pool only while bytes are
/// arriving and given back whenever nothing half-parsed is left, so an idle connection holds none.
/// </summary>
/// <remarks>Owned by the one receive loop of the connection, so it needs no lock; only giving the array back is atomic,
/// since a dispose may do it too.</remarks>
internal struct ReceiveBuffer
{
    private byte[]? _array;
    private int _start;
    private int _end;
    // The size of the whole frames this connection has received that did not fit its buffer (see ReadSize).
    private int _frameSizeHint;

    /// <summary>True when nothing unparsed is held (a frame cut in half keeps the buffer).</summary>
    public readonly bool IsEmpty => _start == _end;

    /// <summary>The size of the array held now (0 when none is).</summary>
    public readonly int Capacity => _array?.Length ?? 0;

    /// <summary>The bytes not parsed yet.</summary>
    public readonly ReadOnlySequence<byte> Unparsed => _array is null ? default : new ReadOnlySequence<byte>(_array, _start, _end - _start);

    /// <summary>Starts with <paramref name="data"/> (bytes that came with the handshake).</summary>
    public void Fill(ReadOnlySpan<byte> data, int size)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(size, data.Length));
        data.CopyTo(_array);
        _start = 0;
        _end = data.Length;
    }

    /// <summary>
    /// Room for the next read: rents an array of <paramref name="size"/> bytes when none is held, moves the unparsed tail
    /// (at most a frame header or a control frame) to the front, and doubles a full buffer.
    /// </summary>
    public Memory<byte> GetSpace(int size)
    {
        if (_array is null)
        {
            _array = ArrayPool<byte>.Shared.Rent(size);
            _start = _end = 0;
        }
        else if (_end - _start < size && _array.Length < size)
        {
            // Room for a frame larger than the buffer (size is then the whole frame's length): moved once into an array that
            // holds all of it, so the rest is read behind it and the frame is parsed in place.
            var larger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.BlockCopy(_array, _start, larger, 0, _end - _start);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
            _end -= _start;
            _start = 0;
        }
        else
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_array, _start, _array, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _array.Length)
            {
                _array = Transport.PooledArrays.Grow(_array, _end, _array.Length * 2);
            }
        }
        return _array.AsMemory(_end);
    }

    /// <summary>
    /// How large the buffer must be for the next read: <paramref name="bufferSize"/> (the options' size), or the whole frame
    /// the core waits for (<paramref name="wholeFrame"/>) when that is larger. A connection whose frames outgrow the buffer
    /// starts its next buffers at that size too (up to four times <paramref name="bufferSize"/>), so that such a frame
    /// arrives whole in one read and is delivered in place.
    /// </summary>
    public int ReadSize(int bufferSize, int wholeFrame)
    {
        if (wholeFrame > bufferSize)
        {
            _frameSizeHint = Math.Min(wholeFrame, 4 * bufferSize);
            return wholeFrame;
        }
        return Math.Max(bufferSize, _frameSizeHint);
    }

    /// <summary>Under the connection's lock: parses the next event out of the unparsed bytes, and keeps what the core left.</summary>
    public bool TryParse(Protocol.WebSocketConnectionCore core, out Protocol.ProtocolEvent ev)
    {
        ev = default;
        var unparsed = Unparsed;
        bool got = !unparsed.IsEmpty && core.TryReceive(ref unparsed, out ev);
        Consumed(unparsed.Length);
        return got;
    }

    /// <summary>Counts <paramref name="count"/> bytes just read into <see cref="GetSpace"/>.</summary>
    public void Advance(int count) => _end += count;

    /// <summary>Marks everything parsed but the last <paramref name="unparsed"/> bytes.</summary>
    public void Consumed(long unparsed) => _start = _end - (int)unparsed;

    /// <summary>Gives the array back to the pool (once, whoever calls).</summary>
    public void Release()
    {
        _start = _end = 0;
        // The look first: the receive loop releases after every message, most often with nothing held, and the exchange is
        // an atomic instruction it need not pay then.
        if (Volatile.Read(ref _array) is not null && Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
