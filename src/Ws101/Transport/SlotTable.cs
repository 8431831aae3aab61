namespace Ws101.Transport;

/// <summary>
/// Items kept under small integer slots, for the tables a server holds one entry per connection in (the event loop's
/// sockets, the server's sessions): an entry costs a reference in an array, where a dictionary entry is an object of
/// its own (48 bytes, plus its bucket), and finding an item by its slot is an array read, not a hash lookup.
/// </summary>
/// <remarks>
/// <para>
/// Adding and removing take the table's lock (no other lock is taken under it). Reading a slot and walking the table
/// take none: the slots live in chunks of <see cref="ChunkSize"/> that never move once made, and only the small
/// directory of chunks is copied when the table grows, so a reader holding an old directory still reads the live
/// chunks.
/// </para>
/// <para>
/// A slot freed is handed out again, so a slot alone does not name an item for good: callers that may look a slot up
/// after its item left (the event loop, with events already fetched) check that the item found is theirs.
/// </para>
/// </remarks>
internal sealed class SlotTable<T> where T : class
{
    private const int ChunkShift = 10;
    public const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly Lock _lock = new();
    private T?[]?[] _chunks = new T?[]?[4];
    private int[] _free = new int[64];
    private int _freeCount;
    // One past the highest slot ever handed out: walks stop there.
    private int _end;
    private int _count;

    /// <summary>How many items the table holds.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether the table holds no item.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Keeps <paramref name="item"/> and returns its slot: a freed one if there is one, so that the table stays as small as the most items it held at once.</summary>
    public int Add(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            int slot = _freeCount > 0 ? _free[--_freeCount] : _end;
            var chunks = _chunks;
            int index = slot >> ChunkShift;
            if (index >= chunks.Length)
            {
                var grown = new T?[]?[chunks.Length * 2];
                Array.Copy(chunks, grown, chunks.Length);
                Volatile.Write(ref _chunks, grown);
                chunks = grown;
            }
            var chunk = chunks[index];
            if (chunk is null)
            {
                chunk = new T?[ChunkSize];
                Volatile.Write(ref chunks[index], chunk);
            }
            Volatile.Write(ref chunk[slot & ChunkMask], item);
            if (slot == _end)
            {
                Volatile.Write(ref _end, slot + 1);
            }
            Volatile.Write(ref _count, _count + 1);
            return slot;
        }
    }

    /// <summary>Empties <paramref name="slot"/> if it holds <paramref name="item"/>; false if it does not (removed already, or never there).</summary>
    public bool Remove(int slot, T item)
    {
        lock (_lock)
        {
            var chunks = _chunks;
            int index = slot >> ChunkShift;
            if (slot < 0 || index >= chunks.Length || chunks[index] is not { } chunk || !ReferenceEquals(chunk[slot & ChunkMask], item))
            {
                return false;
            }
            Volatile.Write(ref chunk[slot & ChunkMask], null);
            if (_freeCount == _free.Length)
            {
                Array.Resize(ref _free, _free.Length * 2);
            }
            _free[_freeCount++] = slot;
            Volatile.Write(ref _count, _count - 1);
            return true;
        }
    }

    /// <summary>The item in <paramref name="slot"/>, or null; without a lock.</summary>
    public T? this[int slot]
    {
        get
        {
            var chunks = Volatile.Read(ref _chunks);
            int index = slot >> ChunkShift;
            if ((uint)index >= (uint)chunks.Length || Volatile.Read(ref chunks[index]) is not { } chunk)
            {
                return null;
            }
            return Volatile.Read(ref chunk[slot & ChunkMask]);
        }
    }

    /// <summary>Walks the items without a lock: an item added or removed meanwhile may or may not be seen.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>The items as a list made now (for callers that need a snapshot, or LINQ).</summary>
    public List<T> ToList()
    {
        var list = new List<T>(Count);
        foreach (var item in this)
        {
            list.Add(item);
        }
        return list;
    }

    /// <summary>Walks the slots from the first to the highest handed out, yielding those that hold an item.</summary>
    public struct Enumerator
    {
        private readonly T?[]?[] _chunks;
        private readonly int _end;
        private int _slot;
        private T? _current;

        internal Enumerator(SlotTable<T> table)
        {
            _chunks = Volatile.Read(ref table._chunks);
            _end = Volatile.Read(ref table._end);
            _slot = -1;
            _current = null;
        }

        public readonly T Current => _current!;

        public bool MoveNext()
        {
            while (++_slot < _end)
            {
                int index = _slot >> ChunkShift;
                if (index >= _chunks.Length || Volatile.Read(ref _chunks[index]) is not { } chunk)
                {
                    // A directory read before the table grew: the slots past it were added after the walk began.
                    return false;
                }
                if (Volatile.Read(ref chunk[_slot & ChunkMask]) is { } item)
                {
                    _current = item;
                    return true;
                }
            }
            return false;
        }
    }
}
