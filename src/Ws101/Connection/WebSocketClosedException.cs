using Ws101.Protocol;

namespace Ws101;

/// <summary>A send on a connection that is closing or closed. The status says how it ended, if known.</summary>
public sealed class WebSocketClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public WebSocketClosedException(string message, CloseCode? closeStatus = null, Exception? inner = null)
        : base(message, inner) => CloseStatus = closeStatus;

    /// <summary>Creates the exception for a connection failed by the peer's protocol violation.</summary>
    public WebSocketClosedException(string message, ProtocolError protocolError, Exception? inner = null)
        : base(message, inner)
    {
        CloseStatus = protocolError.Code;
        ProtocolError = protocolError;
    }

    /// <summary>When the peer broke the protocol: the rule, reason and evidence (frame header bytes, offset); null otherwise.</summary>
    public ProtocolError? ProtocolError { get; }

    /// <summary>How the connection ended, when known.</summary>
    public CloseCode? CloseStatus { get; }
}
