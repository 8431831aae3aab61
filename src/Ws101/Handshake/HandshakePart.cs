namespace Ws101.Handshake;

/// <summary>The two heads of an opening handshake.</summary>
internal enum HandshakePart
{
    /// <summary>The client's upgrade request.</summary>
    Request,
    /// <summary>The server's response.</summary>
    Response,
}
