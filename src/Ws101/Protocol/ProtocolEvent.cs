using System.Buffers;

namespace Ws101.Protocol;

/// <summary>
/// One thing that happened on the receiving side, returned by <see cref="WebSocketConnectionCore.TryReceive(ref ReadOnlySequence{byte}, out ProtocolEvent)"/>.
/// </summary>
/// <remarks>
/// <see cref="Payload"/> points either into the buffer given to <c>TryReceive</c> (unmasked in place) or into the
/// core's own reusable buffers; either way it is valid only until the next call on the core and until the transport
/// releases its buffer (<c>PipeReader.AdvanceTo</c>). Copy what must outlive that.
/// </remarks>
public readonly struct ProtocolEvent
{
    internal ProtocolEvent(ProtocolEventKind kind, ReadOnlySequence<byte> payload, WebSocketMessageKind messageType = default,
        bool endOfMessage = true, ReservedBits reservedBits = ReservedBits.None, CloseCode closeStatus = default,
        string? closeReason = null)
    {
        Kind = kind;
        Payload = payload;
        MessageKind = messageType;
        EndOfMessage = endOfMessage;
        ReservedBits = reservedBits;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
    }

    /// <summary>What happened.</summary>
    public ProtocolEventKind Kind { get; }

    /// <summary>
    /// The message (<see cref="ProtocolEventKind.Message"/>), the next bytes of it (<see cref="ProtocolEventKind.Fragment"/>),
    /// the ping or pong application data, or the close reason's raw bytes. Unmasked; text already validated as UTF-8.
    /// </summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>Text or binary, for <see cref="ProtocolEventKind.Message"/> and <see cref="ProtocolEventKind.Fragment"/>.</summary>
    public WebSocketMessageKind MessageKind { get; }

    /// <summary>For a fragment: whether it is the last one of its message. Always true for a whole message.</summary>
    public bool EndOfMessage { get; }

    /// <summary>The reserved bits of the message's first frame (non-zero only with a negotiated extension).</summary>
    internal ReservedBits ReservedBits { get; }

    /// <summary>For <see cref="ProtocolEventKind.Close"/> and <see cref="ProtocolEventKind.Error"/>: the status the application sees.</summary>
    public CloseCode CloseStatus { get; }

    /// <summary>For <see cref="ProtocolEventKind.Close"/> and <see cref="ProtocolEventKind.Error"/>: the reason text ("" when none).</summary>
    public string? CloseReason { get; }

    /// <summary>A short description for logs and test failures.</summary>
    public override string ToString() => Kind switch
    {
        ProtocolEventKind.Message or ProtocolEventKind.Fragment =>
            $"{Kind} {MessageKind} {Payload.Length} B{(EndOfMessage ? " end" : "")}",
        ProtocolEventKind.Close or ProtocolEventKind.Error => $"{Kind} {(int)CloseStatus} {CloseReason}",
        _ => $"{Kind} {Payload.Length} B",
    };
}
