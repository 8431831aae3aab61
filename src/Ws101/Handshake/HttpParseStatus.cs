namespace Ws101.Handshake;

/// <summary>The outcome of parsing an HTTP head from the bytes received so far.</summary>
internal enum HttpParseStatus
{
    /// <summary>The head is complete and valid HTTP.</summary>
    Complete,
    /// <summary>The bytes so far are a valid prefix of a head: read more and parse again.</summary>
    NeedMoreData,
    /// <summary>The bytes are not a valid head, or break a limit: the problem says why.</summary>
    Invalid,
}
