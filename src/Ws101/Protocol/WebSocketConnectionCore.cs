using System.Buffers;
using System.Runtime.CompilerServices;
using Ws101.Compression;

namespace Ws101.Protocol;

/// <summary>
/// The RFC 6455 protocol for one established connection, without I/O (sans-I/O): received bytes go in through
/// <see cref="TryReceive(ref ReadOnlySequence{byte}, out ProtocolEvent)"/> and come out as
/// <see cref="ProtocolEvent"/>s; commands (<c>WriteMessage</c>, <see cref="WritePing"/>, <see cref="WriteClose"/>, …)
/// go in and come out as frame bytes written to an <see cref="IBufferWriter{T}"/>. Automatic replies (pongs, the
/// close reply, the close frame of a failed connection) wait as pending output until the transport drains them
/// with <see cref="WritePendingOutput"/>. No sockets, tasks or clocks are used: the transport owns those.
/// When permessage-deflate was negotiated, the core also inflates what it receives and deflates what it sends
/// (RFC 7692), so the core alone speaks the whole protocol of the connection.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: the transport serializes all calls (one lock, or one loop that owns the core).</para>
/// <para>
/// A receive loop over a <see cref="System.IO.Pipelines.PipeReader"/>:
/// read, call <c>TryReceive</c> until it returns false, <c>AdvanceTo(buffer.Start, buffer.End)</c>, drain
/// <see cref="HasPendingOutput"/> into the <c>PipeWriter</c> and flush, and close the socket once
/// <see cref="ShouldCloseTransport"/> is true. When the socket ends, call <see cref="OnTransportEnded"/>.
/// </para>
/// <para>
/// Received payload is unmasked in place in the caller's buffer, so that buffer must be writable memory (pipe
/// buffers and arrays are).
/// </para>
/// </remarks>
public sealed partial class WebSocketConnectionCore : IDisposable
{
    private readonly ProtocolOptions _options;
    private readonly bool _isClient;
    private readonly MaskKeySource? _keys;
    // The options' reserved bits, plus RSV1 when permessage-deflate is in use (RFC 7692 §6: it "allocates the RSV1 bit").
    private readonly ReservedBits _allowedReservedBits;
    // Automatic replies; allocated on first use, since a quiet connection never needs it.
    private ArrayBufferWriter<byte>? _pendingWriter;

    private ArrayBufferWriter<byte> Pending => _pendingWriter ??= new ArrayBufferWriter<byte>(256);

    private int PendingCount => _pendingWriter?.WrittenCount ?? 0;

    // Closing handshake (§7): a close frame handed to the transport, one queued in pending output, one received.
    private bool _closeSent;
    private bool _closeQueued;
    private bool _closeReceived;
    private bool _failed;
    private bool _transportEnded;
    private CloseCode? _closeStatus;
    private string? _closeReason;

    // Evidence for a failure: what failed it, bytes received before the current call and in it, where the last frame began.
    // The error is boxed: inline, its 48 bytes would sit in every connection for the rare one that fails.
    private StrongBox<ProtocolError>? _error;
    private long _received;
    private long _callStart;
    private long _frameOffset;

    /// <summary>Creates the protocol core for one connection whose opening handshake has completed.</summary>
    /// <param name="role">Server or client; decides masking in both directions and who closes TCP first.</param>
    /// <param name="options">Limits and behaviour; <see cref="ProtocolOptions.Default"/> when null.</param>
    public WebSocketConnectionCore(WebSocketRole role, ProtocolOptions? options = null)
        : this(role, options, null)
    {
    }

    /// <summary>Creates the core with permessage-deflate as the handshake agreed it (the agreement comes from the library's own negotiation).</summary>
    /// <param name="role">Server or client; decides masking in both directions and who closes TCP first.</param>
    /// <param name="options">Limits and behaviour; <see cref="ProtocolOptions.Default"/> when null.</param>
    /// <param name="deflate">What the handshake agreed for permessage-deflate, or null when it is not in use.</param>
    /// <param name="deflateOptions">How to compress (level, smallest message compressed); the defaults when null.</param>
    internal WebSocketConnectionCore(WebSocketRole role, ProtocolOptions? options, PerMessageDeflateAgreement? deflate,
        PerMessageDeflateOptions? deflateOptions = null)
    {
        if (role is not (WebSocketRole.Server or WebSocketRole.Client))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "A connection is either a server or a client.");
        }
        _options = options ?? ProtocolOptions.Default;
        _options.Validate();
        Role = role;
        _isClient = role == WebSocketRole.Client;
        _keys = _isClient ? new MaskKeySource() : null;
        _allowedReservedBits = _options.AllowedReservedBits;
        if (deflate is not null)
        {
            deflateOptions ??= PerMessageDeflateOptions.Default;
            deflateOptions.Validate();
            _deflate = new PerMessageDeflate(deflate, role, deflateOptions, _options.MaxMessageSize);
            _allowedReservedBits |= ReservedBits.Rsv1;
        }
    }

    /// <summary>This endpoint's role.</summary>
    public WebSocketRole Role { get; }

    /// <summary>The options this core was created with.</summary>
    public ProtocolOptions Options => _options;

    /// <summary>Where the closing handshake stands.</summary>
    public ConnectionState State =>
        _failed || _transportEnded || (_closeSent && _closeReceived) ? ConnectionState.Closed
        : _closeReceived ? ConnectionState.CloseReceived
        : _closeSent ? ConnectionState.CloseSent
        : ConnectionState.Open;

    /// <summary>
    /// The close status the application should see, once known: the code of the first close frame received
    /// (1005 <see cref="CloseCode.NoStatusReceived"/> when it had none), the code this endpoint failed the
    /// connection with, or 1006 <see cref="CloseCode.AbnormalClosure"/> when the transport ended before any
    /// close frame arrived (§7.1.5). Null while nothing is known.
    /// </summary>
    public CloseCode? CloseStatus => _closeStatus;

    /// <summary>The reason text that goes with <see cref="CloseStatus"/> ("" when the peer gave none).</summary>
    public string? CloseReason => _closeReason;

    /// <summary>The protocol error this endpoint failed the connection with, if it did.</summary>
    public ProtocolError? Error =>
        !_failed ? null : _error is { } box ? box.Value : _closeStatus is { } code ? new ProtocolError(code, _closeReason ?? "") : null;

    /// <summary>True when both close frames were exchanged (§7.1.4 "closed cleanly", from this side's view).</summary>
    public bool ClosedCleanly => _closeSent && _closeReceived;

    /// <summary>
    /// True when the transport should now close the TCP connection: nothing is pending and either the connection
    /// was failed (§7.1.7), or this is the server and both close frames were exchanged (§7.1.1: "the underlying TCP
    /// connection, in most normal cases, SHOULD be closed first by the server"). A client, after a clean close,
    /// waits for the server to close TCP and closes it itself only after a timeout of the transport's choosing.
    /// </summary>
    public bool ShouldCloseTransport =>
        PendingCount == 0 && (_failed || _transportEnded || (!_isClient && _closeSent && _closeReceived));

    /// <summary>
    /// Tells the core that the transport ended (the peer closed TCP, a read failed, or the transport gave up).
    /// If no close frame had been received and the connection was not failed, the application sees
    /// 1006 <see cref="CloseCode.AbnormalClosure"/> (§7.1.5). Pending output is dropped. Returns
    /// <see cref="CloseStatus"/>.
    /// </summary>
    public CloseCode OnTransportEnded()
    {
        if (!_closeReceived && !_failed)
        {
            _closeStatus = CloseCode.AbnormalClosure;
            _closeReason = "The transport ended before a close frame was received (RFC 6455 §7.1.5).";
        }
        _transportEnded = true;
        _pendingWriter?.ResetWrittenCount();
        _closeQueued = false;
        return _closeStatus ?? CloseCode.AbnormalClosure;
    }

    /// <summary>
    /// Returns the reassembly buffer to the pool, lets go of the control frame's and the replies' buffers, and frees the
    /// compression contexts. The core must not be used afterwards, nor any payload it delivered. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_messageBuffer is { } buffer)
        {
            _messageBuffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        // Kept, they stayed with a disposed connection whose close (or the peer's, read by the closing handshake) came last:
        // idle buffers are otherwise dropped only while the connection waits for input, which an ended one never does again.
        _controlBuffer = null;
        _pendingWriter = null;
        _deflate?.Dispose();
    }
}
