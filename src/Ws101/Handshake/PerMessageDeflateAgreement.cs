using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Compression;

/// <summary>
/// What the opening handshake agreed for permessage-deflate: the accepted response element and its parameters
/// (RFC 7692 §7.1), read from either side.
/// </summary>
internal sealed class PerMessageDeflateAgreement
{
    internal PerMessageDeflateAgreement(PerMessageDeflateParameters parameters)
    {
        Parameters = parameters;
        Response = parameters.ToExtension();
    }

    /// <summary>The parameters of the response (the server's choice).</summary>
    public PerMessageDeflateParameters Parameters { get; }

    /// <summary>The element the server sent in <c>Sec-WebSocket-Extensions</c>.</summary>
    public WebSocketExtension Response { get; }

    /// <summary>Whether <paramref name="role"/> resets its compression context after every message.</summary>
    public bool NoContextTakeover(WebSocketRole role) =>
        role == WebSocketRole.Server ? Parameters.ServerNoContextTakeover : Parameters.ClientNoContextTakeover;

    /// <summary>The largest window <paramref name="role"/> may compress with, in bits (15 when not limited).</summary>
    public int MaxWindowBits(WebSocketRole role) =>
        (role == WebSocketRole.Server ? Parameters.ServerMaxWindowBits : Parameters.ClientMaxWindowBits) ?? PerMessageDeflateParameters.MaxWindowBits;

    /// <inheritdoc/>
    public override string ToString() => Response.ToString();
}
