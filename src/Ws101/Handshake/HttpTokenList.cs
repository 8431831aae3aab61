namespace Ws101.Handshake;

/// <summary>
/// Token rules of HTTP (RFC 9110 §5.6.2) and comma-separated lists (§5.6.1), the grammar of
/// <c>Connection</c>, <c>Upgrade</c> and <c>Sec-WebSocket-Protocol</c>.
/// </summary>
internal static class HttpTokenList
{
    /// <summary>True for a tchar: ALPHA, DIGIT, or one of <c>!#$%&amp;'*+-.^_`|~</c>.</summary>
    public static bool IsTokenChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>True when <paramref name="text"/> is a non-empty token.</summary>
    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The index of the first character that may not appear in a header value we send (RFC 9110 §5.5: CR, LF,
    /// NUL and the other control characters but HTAB, and anything beyond Latin-1), or -1 when there is none.
    /// </summary>
    internal static int IndexOfInvalidValueChar(ReadOnlySpan<char> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if ((c < ' ' && c != '\t') || c == '\x7f' || c > '\xff')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Splits a comma-separated list, trimming spaces and tabs around each element and skipping empty ones.</summary>
    public static IEnumerable<string> Split(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int start = 0;
        while (start <= value.Length)
        {
            int comma = value.IndexOf(',', start);
            int end = comma < 0 ? value.Length : comma;
            var element = value.AsSpan(start, end - start).Trim(" \t");
            if (!element.IsEmpty)
            {
                yield return element.ToString();
            }
            if (comma < 0)
            {
                yield break;
            }
            start = comma + 1;
        }
    }

    /// <summary>
    /// Parses a list that must hold only tokens (as <c>Sec-WebSocket-Protocol</c> does). Returns false,
    /// with the offending element, when an element is not a token.
    /// </summary>
    public static bool TryParseTokens(string value, out List<string> tokens, out string? offending)
    {
        tokens = [];
        offending = null;
        foreach (var element in Split(value))
        {
            if (!IsToken(element))
            {
                offending = element;
                return false;
            }
            tokens.Add(element);
        }
        return true;
    }
}
