using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Ws101.Protocol;

namespace Ws101;

/// <summary>
/// One thing received on a connection: a message (or a part of one when streaming), a surfaced ping, or the
/// close. <see cref="Data"/> points into the connection's buffers and is valid until the next receive: copy
/// it (<see cref="ToArray"/>, <see cref="GetText"/>) to keep it. That is what makes receiving allocation-free.
/// </summary>
public readonly struct WebSocketMessage
{
    internal WebSocketMessage(WebSocketMessageKind kind, ReadOnlyMemory<byte> data, bool endOfMessage, CloseCode? closeStatus = null, string? closeReason = null,
        ProtocolError? protocolError = null)
    {
        _error = protocolError is { } error ? new StrongBox<ProtocolError>(error) : null;
        Kind = kind;
        Data = data;
        EndOfMessage = endOfMessage;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
    }

    /// <summary>What the application sees of an event of the core (any but a pong, which the connection handles).</summary>
    internal static WebSocketMessage From(in ProtocolEvent ev) => ev.Kind switch
    {
        ProtocolEventKind.Message or ProtocolEventKind.Fragment => new WebSocketMessage(ev.MessageKind, AsMemory(ev.Payload), ev.EndOfMessage),
        ProtocolEventKind.Ping => new WebSocketMessage(WebSocketMessageKind.Ping, AsMemory(ev.Payload), true),
        _ => new WebSocketMessage(WebSocketMessageKind.Close, default, true, ev.CloseStatus, ev.CloseReason),
    };

    /// <summary>The close that follows a failure of the connection: the status, reason and the rule the peer broke.</summary>
    internal static WebSocketMessage Failed(ProtocolError error) =>
        new(WebSocketMessageKind.Close, default, true, error.Code, error.Reason, error);

    // The core's payloads are one segment (its own buffers, or the connection's receive buffer).
    private static ReadOnlyMemory<byte> AsMemory(in ReadOnlySequence<byte> payload) =>
        payload.IsSingleSegment ? payload.First : payload.ToArray();

    /// <summary>Text, binary, ping or close.</summary>
    public WebSocketMessageKind Kind { get; }

    /// <summary>The payload; valid until the next receive on the connection.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>True for a whole message, or the last part of a streamed one.</summary>
    public bool EndOfMessage { get; }

    /// <summary>True when this is the close: the connection will give nothing more.</summary>
    public bool IsClose => Kind == WebSocketMessageKind.Close;

    /// <summary>For a close: the status (1005 when the peer sent none, 1006 when the connection ended without a close).</summary>
    public CloseCode? CloseStatus { get; }

    /// <summary>
    /// For a close caused by the peer breaking the protocol (RFC 6455 §7.1.7): the rule, reason and evidence (the
    /// frame's header bytes and offset); null for an ordinary close.
    /// </summary>
    public ProtocolError? ProtocolError => _error?.Value;

    // Boxed: only a failure's close carries it, and inline its 48 bytes would be copied with every message received.
    private readonly StrongBox<ProtocolError>? _error;

    /// <summary>For a close: the reason ("" when none).</summary>
    public string? CloseReason { get; }

    /// <summary>The payload decoded as UTF-8 (for a text message it is valid UTF-8 already).</summary>
    public string GetText() => Encoding.UTF8.GetString(Data.Span);

    /// <summary>A copy of the payload.</summary>
    public byte[] ToArray() => Data.ToArray();

    /// <inheritdoc />
    public override string ToString() => Kind == WebSocketMessageKind.Close
        ? $"Close {(int?)CloseStatus} {CloseReason}"
        : $"{Kind} {Data.Length} B{(EndOfMessage ? "" : " (partial)")}";
}
