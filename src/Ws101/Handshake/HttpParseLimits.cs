namespace Ws101.Handshake;

/// <summary>
/// Hard limits on an HTTP/1.1 head, so that a peer can never make a parser buffer without bound.
/// The defaults fit every real browser and library handshake with room for large cookies.
/// </summary>
internal sealed record HttpParseLimits
{
    /// <summary>The defaults: 8 KiB per line, 100 header lines, 16 KiB in all.</summary>
    public static HttpParseLimits Default { get; } = new();

    /// <summary>
    /// The longest line, in bytes without its line end. Default 8 KiB: the common limit of HTTP servers
    /// (nginx, Kestrel) for a request line or a header line; a browser's cookie header stays below it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        init => _maxLineLength = AtLeast(1, value, nameof(MaxLineLength));
    }

    /// <summary>
    /// The most header lines. Default 100: a browser sends about 15 on an upgrade; Kestrel also allows 100.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxHeaderCount
    {
        get => _maxHeaderCount;
        init => _maxHeaderCount = AtLeast(0, value, nameof(MaxHeaderCount));
    }

    /// <summary>
    /// The most bytes in the whole head, start line and empty line included. Default 16 KiB: twice a
    /// maximal line, ample for any handshake, and small enough that 10,000 slow handshakes cost little memory.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxHeadBytes
    {
        get => _maxHeadBytes;
        init => _maxHeadBytes = AtLeast(1, value, nameof(MaxHeadBytes));
    }

    private readonly int _maxLineLength = 8 * 1024;
    private readonly int _maxHeaderCount = 100;
    private readonly int _maxHeadBytes = 16 * 1024;

    // A zero or negative limit would make the parser slice with a negative length; refuse it where it is set.
    private static int AtLeast(int minimum, int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, minimum, name);
        return value;
    }
}
