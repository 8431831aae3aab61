using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// A close status code (RFC 6455 §7.4). Any 16-bit value can be held (the range 3000-4999 belongs to
/// libraries and applications); the named ones are those §7.4.1 defines. Which codes may appear on the
/// wire is decided by <see cref="CloseCodeRules"/>.
/// </summary>
/// <remarks>Named apart from <c>System.Net.WebSockets.WebSocketCloseStatus</c>, which holds the same numbers.</remarks>
public enum CloseCode : ushort
{
    /// <summary>1000: the purpose of the connection was fulfilled.</summary>
    NormalClosure = 1000,

    /// <summary>1001: the endpoint is going away (server shutdown, page navigation).</summary>
    GoingAway = 1001,

    /// <summary>1002: the peer broke the protocol.</summary>
    ProtocolError = 1002,

    /// <summary>1003: a data type the endpoint cannot accept (e.g. binary to a text-only endpoint).</summary>
    UnsupportedData = 1003,

    /// <summary>1005: never sent; what the application sees when a close frame carried no code.</summary>
    NoStatusReceived = 1005,

    /// <summary>1006: never sent; what the application sees when the transport ended without a closing handshake.</summary>
    AbnormalClosure = 1006,

    /// <summary>1007: data inconsistent with the message type, e.g. invalid UTF-8 in a text message (§8.1).</summary>
    InvalidPayloadData = 1007,

    /// <summary>1008: a message violated the endpoint's policy.</summary>
    PolicyViolation = 1008,

    /// <summary>1009: a frame or message too big to process (<see cref="ProtocolOptions.MaxFrameSize"/>, <see cref="ProtocolOptions.MaxMessageSize"/>).</summary>
    MessageTooBig = 1009,

    /// <summary>1010: sent by a client when the server did not negotiate an extension it requires.</summary>
    MandatoryExtension = 1010,

    /// <summary>1011: the server met an unexpected condition.</summary>
    InternalServerError = 1011,

    /// <summary>1015: never sent; the TLS handshake failed.</summary>
    TlsHandshakeFailure = 1015,
}
