namespace Ws101.Handshake;

/// <summary>The input is not a HAR this reader can read: not JSON, not shaped as a HAR, or beyond a limit. The message says which.</summary>
internal sealed class HarFormatException : Exception
{
    /// <summary>Creates the exception with the reason, written for the person who gave the file.</summary>
    public HarFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
