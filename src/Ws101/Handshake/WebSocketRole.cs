namespace Ws101.Protocol;

// In the handshake folder: the opening handshake fixes the role (whoever sent the upgrade request is the client), and
// both the extension agreement and the protocol core below the connection need it. The namespace stays until the
// public API is reshaped.

/// <summary>
/// Which end of the connection this endpoint is. The role decides masking (RFC 6455 §5.1: a client
/// masks every frame it sends, a server masks none, and each fails the connection on a frame masked
/// the wrong way) and who closes the TCP connection first (§7.1.1: the server).
/// </summary>
public enum WebSocketRole
{
    /// <summary>The endpoint that accepted the opening handshake.</summary>
    Server,

    /// <summary>The endpoint that sent the opening handshake.</summary>
    Client,
}
