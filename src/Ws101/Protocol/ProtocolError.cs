namespace Ws101;

/// <summary>
/// Why the connection was failed (RFC 6455 §7.1.7): the close code sent to the peer and shown to the
/// application, and a reason written for the person reading it, naming the rule that was broken.
/// </summary>
/// <param name="Code">The close code: 1002 (protocol error), 1007 (invalid payload data) or 1009 (too big).</param>
/// <param name="Reason">What went wrong, with the RFC section.</param>
public readonly record struct ProtocolError(CloseCode Code, string Reason)
{
    /// <summary>The code and reason, e.g. <c>1002 ProtocolError: …</c>.</summary>
    public override string ToString() => $"{(int)Code} {Code}: {Reason}";
}
