namespace Ws101.Handshake;

/// <summary>The HTTP-version of a start line (RFC 9112 §2.3): <c>HTTP/</c> DIGIT <c>.</c> DIGIT, case-sensitive.</summary>
internal static class HttpVersionText
{
    public static bool TryParse(ReadOnlySpan<char> text, out Version version)
    {
        version = new Version(0, 0);
        if (text.Length != 8 || !text.StartsWith("HTTP/", StringComparison.Ordinal) || text[6] != '.'
            || !char.IsAsciiDigit(text[5]) || !char.IsAsciiDigit(text[7]))
        {
            return false;
        }
        version = new Version(text[5] - '0', text[7] - '0');
        return true;
    }

    public static bool IsAtLeastHttp11(Version v) => v.Major > 1 || (v.Major == 1 && v.Minor >= 1);
}
