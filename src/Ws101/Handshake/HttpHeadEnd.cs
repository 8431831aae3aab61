namespace Ws101.Handshake;

/// <summary>How a captured text ended an HTTP head: with its empty line, after a whole line without it, or inside a line.</summary>
internal enum HttpHeadEnd
{
    /// <summary>The empty line that ends a head came (or, for a request, the response right after it).</summary>
    Complete,

    /// <summary>The text ends after a line end, with no empty line: the last line is whole, more may have followed.</summary>
    AfterLine,

    /// <summary>The text ends inside the head's last line, which may itself be cut.</summary>
    InsideLine,
}
