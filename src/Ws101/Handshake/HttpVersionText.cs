namespace Ws101.Handshake;

/// <summary>The HTTP-version of a start line (RFC 9112 §2.3): <c>HTTP/</c> DIGIT <c>.</c> DIGIT, case-sensitive.</summary>
internal static class HttpVersionText
{
    private static readonly Version Http10 = new(1, 0);
    private static readonly Version Http11 = new(1, 1);

    public static bool TryParse(ReadOnlySpan<char> text, out Version version)
    {
        version = Http10;
        if (text.Length != 8 || !text.StartsWith("HTTP/", StringComparison.Ordinal) || text[6] != '.'
            || !char.IsAsciiDigit(text[5]) || !char.IsAsciiDigit(text[7]))
        {
            return false;
        }
        // Shared instances for the two versions every handshake uses: a parsed head keeps its version for the connection's life.
        version = (text[5], text[7]) switch
        {
            ('1', '1') => Http11,
            ('1', '0') => Http10,
            _ => new Version(text[5] - '0', text[7] - '0'),
        };
        return true;
    }

    public static bool IsAtLeastHttp11(Version v) => v.Major > 1 || (v.Major == 1 && v.Minor >= 1);
}
