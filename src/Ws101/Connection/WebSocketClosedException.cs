using Ws101.Protocol;

namespace Ws101;

/// <summary>A send on a connection that is closing or closed. The status says how it ended, if known.</summary>
public sealed class WebSocketClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public WebSocketClosedException(string message, CloseCode? closeStatus = null, Exception? inner = null)
        : base(message, inner) => CloseStatus = closeStatus;

    /// <summary>How the connection ended, when known.</summary>
    public CloseCode? CloseStatus { get; }
}
