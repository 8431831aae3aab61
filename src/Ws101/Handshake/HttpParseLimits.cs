namespace Ws101.Handshake;

/// <summary>
/// Hard limits on an HTTP/1.1 head, so that a peer can never make a parser buffer without bound.
/// The defaults fit every real browser and library handshake with room for large cookies.
/// </summary>
public sealed record HttpParseLimits
{
    /// <summary>The defaults: 8 KiB per line, 100 header lines, 16 KiB in all.</summary>
    public static HttpParseLimits Default { get; } = new();

    /// <summary>
    /// The longest line, in bytes without its line end. Default 8 KiB: the common limit of HTTP servers
    /// (nginx, Kestrel) for a request line or a header line; a browser's cookie header stays below it.
    /// </summary>
    public int MaxLineLength { get; init; } = 8 * 1024;

    /// <summary>
    /// The most header lines. Default 100: a browser sends about 15 on an upgrade; Kestrel also allows 100.
    /// </summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// The most bytes in the whole head, start line and empty line included. Default 16 KiB: twice a
    /// maximal line, ample for any handshake, and small enough that 10,000 slow handshakes cost little memory.
    /// </summary>
    public int MaxHeadBytes { get; init; } = 16 * 1024;
}
