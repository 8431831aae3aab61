namespace Ws101.Handshake;

/// <summary>
/// RFC 6455 §4.1 item 7 and §4.2.1 item 5: a Sec-WebSocket-Key is base64 of exactly 16 bytes.
/// The check is strict and explicit, because <see cref="Convert.FromBase64String(string)"/> silently skips
/// whitespace, and whitespace in a key is one of the mistakes a diagnosis must name.
/// </summary>
internal static class WebSocketKeyRules
{
    /// <summary>Checks a key; returns null when valid, else the reason it is not.</summary>
    public static string? Check(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (int i = 0; i < key.Length; i++)
        {
            if (key[i] is ' ' or '\t' or '\r' or '\n')
            {
                return $"the key holds whitespace ({HandshakeProblem.Visible(key[i].ToString())}) at column {i + 1}: whitespace is not part of base64";
            }
        }
        for (int i = 0; i < key.Length; i++)
        {
            char c = key[i];
            if (c is '-' or '_')
            {
                return $"'{c}' at column {i + 1} belongs to base64url, not to the base64 alphabet the key must use ('+' and '/')";
            }
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return $"'{HandshakeProblem.Visible(c.ToString())}' at column {i + 1} is not a base64 character";
            }
        }
        if (key.Length == 22 && !key.Contains('=', StringComparison.Ordinal))
        {
            return "the key has 22 characters and no '==' padding: the padding was stripped";
        }
        if (key.Length > WebSocketAccept.MaxKeyLength)
        {
            return $"the key has {key.Length} characters; a key is 24 (base64 of 16 bytes)";
        }
        Span<byte> scratch = stackalloc byte[WebSocketAccept.MaxKeyLength];
        if (!Convert.TryFromBase64String(key, scratch[..key.Length], out int decoded))
        {
            return $"the key ({key.Length} characters) is not valid base64";
        }
        if (decoded != 16)
        {
            return $"the key decodes to {decoded} bytes instead of 16";
        }
        return null;
    }
}
