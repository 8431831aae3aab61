namespace Ws101.Fuzz;

/// <summary>
/// Reads a fuzz input as option bytes from the front, then the rest as the data under test. A missing option byte
/// reads as 0 (the defaults), so every input, even an empty one, is a valid run.
/// </summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    /// <summary>The next option byte, or 0 past the end.</summary>
    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }
        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    /// <summary>
    /// A chunking plan: one byte whose low 3 bits say how many chunk lengths follow (0 to 7), then one byte per length
    /// (1 to 256 bytes each). The data is cut into chunks of these lengths, used in turn; no lengths means one chunk.
    /// </summary>
    public int[] ChunkPlan()
    {
        int count = Byte() & 7;
        var plan = new int[count];
        for (int i = 0; i < count; i++)
        {
            plan[i] = Byte() + 1;
        }
        return plan;
    }

    /// <summary>Everything not read as options.</summary>
    public readonly ReadOnlySpan<byte> Rest => _rest;
}
