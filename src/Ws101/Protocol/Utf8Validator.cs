using System.Text.Unicode;

namespace Ws101.Protocol;

/// <summary>
/// Validates UTF-8 incrementally, chunk by chunk, as a text message's bytes arrive (RFC 6455 §8.1).
/// It fails on the chunk that holds the first byte that no valid UTF-8 text could continue with (fail fast:
/// an endpoint need not wait for the end of a message to reject it), and accepts a code point split across
/// chunks. The rules are those of Unicode Table 3-7 ("well-formed UTF-8 byte sequences"): no overlong forms,
/// no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
/// </summary>
/// <remarks>
/// A mutable struct: keep it in a field and do not copy it between chunks. The bulk of each chunk is checked
/// by <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/> (vectorized in the BCL); only a code point that straddles
/// a chunk boundary goes through the byte-at-a-time state machine here.
/// </remarks>
internal struct Utf8Validator
{
    // Continuation bytes still expected by the code point in progress, and the range the next one must be in.
    private int _needed;
    private byte _lower;
    private byte _upper;

    /// <summary>True when no code point is left unfinished: the text so far could end here.</summary>
    public readonly bool IsComplete => _needed == 0;

    /// <summary>Forgets any unfinished code point, to validate a new message.</summary>
    public void Reset() => _needed = 0;

    /// <summary>
    /// Validates the next chunk. Returns false as soon as the bytes so far cannot be the start of valid UTF-8;
    /// after that the validator's state is meaningless until <see cref="Reset"/>. A final chunk must also leave
    /// <see cref="IsComplete"/> true.
    /// </summary>
    public bool Validate(ReadOnlySpan<byte> chunk)
    {
        int i = 0;
        // Finish the code point left open by the previous chunk.
        while (_needed > 0)
        {
            if (i == chunk.Length)
            {
                return true;
            }
            if (!Step(chunk[i++]))
            {
                return false;
            }
        }
        ReadOnlySpan<byte> rest = chunk[i..];
        int cut = StartOfUnfinishedTail(rest);
        if (!Utf8.IsValid(rest[..cut]))
        {
            return false;
        }
        // The tail is the beginning of one code point: check that it is a possible beginning.
        foreach (byte b in rest[cut..])
        {
            if (!Step(b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Validates a whole text in one go: the same answer as <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/>.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> text) => Utf8.IsValid(text);

    // Index where a lead byte begins a code point that the chunk does not finish, or the chunk length.
    // Invalid lead bytes are left in the bulk, where Utf8.IsValid rejects them.
    private static int StartOfUnfinishedTail(ReadOnlySpan<byte> chunk)
    {
        for (int k = 1; k <= 3 && k <= chunk.Length; k++)
        {
            byte b = chunk[^k];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }
            int sequenceLength = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 1,
            };
            return sequenceLength > k ? chunk.Length - k : chunk.Length;
        }
        return chunk.Length;
    }

    // One byte of the state machine of Unicode Table 3-7.
    private bool Step(byte b)
    {
        if (_needed > 0)
        {
            if (b < _lower || b > _upper)
            {
                return false;
            }
            _needed--;
            _lower = 0x80;
            _upper = 0xBF;
            return true;
        }
        switch (b)
        {
            case <= 0x7F:
                return true;
            case >= 0xC2 and <= 0xDF:
                Expect(1, 0x80, 0xBF);
                return true;
            case 0xE0:
                Expect(2, 0xA0, 0xBF); // no overlong 3-byte forms
                return true;
            case 0xED:
                Expect(2, 0x80, 0x9F); // no surrogates
                return true;
            case >= 0xE1 and <= 0xEF:
                Expect(2, 0x80, 0xBF);
                return true;
            case 0xF0:
                Expect(3, 0x90, 0xBF); // no overlong 4-byte forms
                return true;
            case >= 0xF1 and <= 0xF3:
                Expect(3, 0x80, 0xBF);
                return true;
            case 0xF4:
                Expect(3, 0x80, 0x8F); // nothing above U+10FFFF
                return true;
            default:
                return false; // 0x80-0xC1 (stray continuation or overlong 2-byte lead), 0xF5-0xFF
        }
    }

    private void Expect(int needed, byte lower, byte upper)
    {
        _needed = needed;
        _lower = lower;
        _upper = upper;
    }
}
