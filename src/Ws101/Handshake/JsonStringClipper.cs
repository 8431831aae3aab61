using System.Buffers.Text;
using System.Globalization;

namespace Ws101.Handshake;

/// <summary>
/// Shortens long JSON strings on the fly, so that a parser reading a large document in chunks never needs a whole
/// huge value in memory: a HAR holds response bodies and WebSocket payloads of megabytes as single strings. A string
/// longer than <see cref="KeepBytes"/> keeps its first bytes (cut at a character boundary, never inside an escape or a
/// surrogate pair) and ends with a marker that says how long it was: <c>\u0000ws101-clipped:N</c>, N being the
/// length of the whole string, unescaped, in UTF-8 bytes. Everything else passes through unchanged. Pure: bytes in,
/// bytes out, the state carried between calls.
/// </summary>
internal sealed class JsonStringClipper
{
    /// <summary>The marker's text as it appears in the output JSON, before the length's digits.</summary>
    public static ReadOnlySpan<byte> MarkerJson => "\\u0000ws101-clipped:"u8;

    /// <summary>The marker's text in the string a JSON reader gives back.</summary>
    public const string MarkerText = "\0ws101-clipped:";

    // The marker, up to 20 digits, and the closing quote.
    private const int MaxMarkerBytes = 20 + 20 + 1;

    private enum State : byte { Outside, InString, Escape, Unicode }

    private State _state;
    private int _rawLength;
    private long _decodedLength;
    private bool _clipping;
    private int _hexLeft;
    private int _hexValue;
    private bool _afterHighSurrogate;

    /// <summary>Creates a clipper that keeps the first <paramref name="keepBytes"/> bytes of each string.</summary>
    public JsonStringClipper(int keepBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepBytes, 16);
        KeepBytes = keepBytes;
    }

    /// <summary>The most bytes of a string's escaped text that are kept.</summary>
    public int KeepBytes { get; }

    /// <summary>The room <see cref="Transform"/> may need for <paramref name="inputLength"/> bytes of input.</summary>
    public int MaxOutputLength(int inputLength) => inputLength + (inputLength / KeepBytes + 2) * MaxMarkerBytes;

    /// <summary>Copies <paramref name="input"/> to <paramref name="output"/>, shortening long strings; returns the bytes written.</summary>
    public int Transform(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int o = 0;
        foreach (byte b in input)
        {
            switch (_state)
            {
                case State.Outside:
                    if (b == (byte)'"')
                    {
                        _state = State.InString;
                        _rawLength = 0;
                        _decodedLength = 0;
                        _clipping = false;
                        _afterHighSurrogate = false;
                    }
                    output[o++] = b;
                    continue;
                case State.InString:
                    if (b == (byte)'"')
                    {
                        if (_clipping)
                        {
                            o += WriteMarker(output[o..]);
                        }
                        output[o++] = b;
                        _state = State.Outside;
                        continue;
                    }
                    // Start cutting only where a character starts: not in a UTF-8 sequence, not between the halves of a surrogate pair.
                    if (!_clipping && _rawLength >= KeepBytes && (b & 0xC0) != 0x80 && !_afterHighSurrogate)
                    {
                        _clipping = true;
                    }
                    if (b == (byte)'\\')
                    {
                        _state = State.Escape;
                    }
                    else
                    {
                        _decodedLength++;
                        _afterHighSurrogate = false;
                    }
                    break;
                case State.Escape:
                    if (b == (byte)'u')
                    {
                        _state = State.Unicode;
                        _hexLeft = 4;
                        _hexValue = 0;
                    }
                    else
                    {
                        _state = State.InString;
                        _decodedLength++;
                        _afterHighSurrogate = false;
                    }
                    break;
                case State.Unicode:
                    _hexValue = (_hexValue << 4) | HexValue(b);
                    if (--_hexLeft == 0)
                    {
                        _state = State.InString;
                        CountCodeUnit(_hexValue);
                    }
                    break;
            }
            if (!_clipping)
            {
                output[o++] = b;
                _rawLength++;
            }
        }
        return o;
    }

    /// <summary>
    /// Reads a string a JSON reader gave back: the kept text, and the whole string's UTF-8 length, which is the marker's
    /// number for a clipped string.
    /// </summary>
    public static string Unclip(string value, out long utf8Length, out bool clipped)
    {
        int at = value.LastIndexOf(MarkerText, StringComparison.Ordinal);
        if (at >= 0 && long.TryParse(value.AsSpan(at + MarkerText.Length), NumberStyles.None, CultureInfo.InvariantCulture, out utf8Length))
        {
            clipped = true;
            return value[..at];
        }
        clipped = false;
        utf8Length = System.Text.Encoding.UTF8.GetByteCount(value);
        return value;
    }

    /// <summary>The whole length of a string from its escaped JSON text, without decoding it: the marker's number when clipped.</summary>
    public static bool TryReadClippedLength(ReadOnlySpan<byte> escapedValue, out long utf8Length)
    {
        utf8Length = 0;
        int at = escapedValue.LastIndexOf(MarkerJson);
        return at >= 0 && Utf8Parser.TryParse(escapedValue[(at + MarkerJson.Length)..], out utf8Length, out int used) && used == escapedValue.Length - at - MarkerJson.Length;
    }

    private void CountCodeUnit(int unit)
    {
        // UTF-8 bytes of what the escape stands for: a pair of surrogate escapes is one 4-byte character, a lone
        // surrogate becomes U+FFFD (3 bytes).
        if (unit is >= 0xD800 and <= 0xDBFF)
        {
            _decodedLength += 4;
            _afterHighSurrogate = true;
            return;
        }
        if (unit is >= 0xDC00 and <= 0xDFFF)
        {
            _decodedLength += _afterHighSurrogate ? 0 : 3;
        }
        else
        {
            _decodedLength += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
        }
        _afterHighSurrogate = false;
    }

    private int WriteMarker(Span<byte> output)
    {
        MarkerJson.CopyTo(output);
        Utf8Formatter.TryFormat(_decodedLength, output[MarkerJson.Length..], out int digits);
        return MarkerJson.Length + digits;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        // Not hex: the JSON reader rejects the escape; the count does not matter then.
        _ => 0,
    };
}
