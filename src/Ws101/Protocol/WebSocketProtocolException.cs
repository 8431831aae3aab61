using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// A failed connection as an exception, for layers that report failures by throwing (a <c>ReceiveAsync</c> that met a
/// <see cref="ProtocolEventKind.Error"/> event). It carries the <see cref="ProtocolError"/> value; its message is the
/// code and the reason.
/// </summary>
public sealed class WebSocketProtocolException : Exception
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public WebSocketProtocolException(ProtocolError error)
        : base(error.ToString())
    {
        Error = error;
    }

    /// <summary>The close code and reason the connection failed with.</summary>
    public ProtocolError Error { get; }
}
