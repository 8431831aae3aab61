namespace Ws101.Protocol;

/// <summary>
/// Which close codes may travel in a close frame (RFC 6455 §7.4). Only these are valid on the wire:
/// 1000-1003 and 1007-1011 (defined by §7.4.1), and 3000-4999 (registered with IANA by libraries, or private
/// to applications, §7.4.2). Every other value, including 1004 (reserved), 1005, 1006 and 1015 (which
/// "MUST NOT be set as a status code in a Close control frame"), is a protocol error when received
/// and is refused when sending.
/// </summary>
public static class CloseCodeRules
{
    /// <summary>The longest reason a close frame can carry: 125 payload bytes minus the 2-byte code (§5.5).</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>True when <paramref name="code"/> may appear in a close frame, received or sent.</summary>
    public static bool IsValidOnTheWire(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1011) or (>= 3000 and <= 4999);

    /// <inheritdoc cref="IsValidOnTheWire(int)"/>
    public static bool IsValidOnTheWire(CloseCode code) => IsValidOnTheWire((int)code);
}
