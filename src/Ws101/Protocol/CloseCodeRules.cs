namespace Ws101.Protocol;

/// <summary>
/// Which close codes may travel in a close frame (RFC 6455 §7.4). Only these are valid on the wire:
/// 1000-1003 and 1007-1011 (defined by §7.4.1), and 3000-4999 (registered with IANA by libraries, or private
/// to applications, §7.4.2). Every other value, including 1004 (reserved), 1005, 1006 and 1015 (which
/// "MUST NOT be set as a status code in a Close control frame"), is a protocol error when received
/// and is refused when sending.
/// </summary>
internal static class CloseCodeRules
{
    /// <summary>The longest reason a close frame can carry: 125 payload bytes minus the 2-byte code (§5.5).</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>True when <paramref name="code"/> may appear in a close frame, received or sent.</summary>
    public static bool IsValidOnTheWire(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1011) or (>= 3000 and <= 4999);

    /// <inheritdoc cref="IsValidOnTheWire(int)"/>
    public static bool IsValidOnTheWire(CloseCode code) => IsValidOnTheWire((int)code);

    /// <summary>Throws unless a close frame may carry <paramref name="code"/> and <paramref name="reason"/> (the checks of everything that sends a close).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> may not be sent.</exception>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is longer than 123 bytes of UTF-8.</exception>
    internal static void EnsureSendable(CloseCode code, ReadOnlySpan<char> reason)
    {
        if (!IsValidOnTheWire(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, $"Close code {(int)code} may not be sent in a close frame: use 1000-1003, 1007-1011 or 3000-4999 (RFC 6455 §7.4).");
        }
        if (System.Text.Encoding.UTF8.GetByteCount(reason) > MaxReasonBytes)
        {
            throw new ArgumentException($"A close reason is at most {MaxReasonBytes} bytes of UTF-8 (RFC 6455 §5.5).", nameof(reason));
        }
    }
}
