using System.Buffers;
using System.Text.Unicode;
using Ws101.Protocol;

namespace Ws101.Fuzz;

/// <summary>
/// The protocol core's receive path (<see cref="WebSocketConnectionCore.TryReceive(ref ReadOnlySequence{byte}, out ProtocolEvent)"/>)
/// in either role. Input: an option byte (bit 0: client, else server; bit 1: streaming; bit 2: no automatic pong; bit 3:
/// surface pings; bit 4: allow RSV1; bit 5: small limits from the next two bytes), two limit bytes, a chunk plan
/// (<see cref="FuzzInput.ChunkPlan"/>), then the bytes the peer sent.
/// </summary>
/// <remarks>
/// No exception is expected: a protocol violation is an <see cref="ProtocolEventKind.Error"/> event. The bytes are fed
/// twice, whole and in the planned chunks as several-segment sequences (so frame boundaries fall anywhere), and both
/// must give the same messages, controls and close (the core promises that any split gives the same messages).
/// Checked on every event: sizes within the limits, text valid UTF-8, at most 139 bytes left unconsumed, nothing after a
/// close or an error. The core's automatic replies (pongs, the close reply, the close of a failure) are fed to a peer
/// core of the other role, which must read them as pongs and one close, never as an error.
/// </remarks>
internal static class ProtocolReceiveTarget
{
    /// <summary>The most a core leaves unconsumed when it needs more bytes: a frame header and a whole control frame.</summary>
    private const int MaxLeftover = 139;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        var (role, options) = Options(ref fuzz);
        int[] plan = fuzz.ChunkPlan();
        var data = fuzz.Rest;

        var wholeReplies = new ArrayBufferWriter<byte>();
        var whole = Receive(role, options, Chunks.Cut(data, []), wholeReplies, drainEachChunk: false);
        var chunkedReplies = new ArrayBufferWriter<byte>();
        var chunked = Receive(role, options, Chunks.Cut(data, plan), chunkedReplies, drainEachChunk: true);
        Compare(whole, chunked);

        // Replies wait in pending output: a flood of pings keeps at most MaxPendingPongBytes (or the newest pong), then a close.
        int bound = Math.Max(options.MaxPendingPongBytes, MaxControlFrame) + MaxControlFrame;
        Invariant.Holds(wholeReplies.WrittenCount <= bound, $"{wholeReplies.WrittenCount} bytes of pending output, bound {bound}");
        ReadReplies(role, wholeReplies.WrittenMemory);
        ReadReplies(role, chunkedReplies.WrittenMemory);
    }

    private const int MaxControlFrame = FrameHeader.MaxLength + FrameHeader.MaxControlPayload;

    /// <summary>Role and options from the option bytes; shared with <see cref="DeflateReceiveTarget"/>.</summary>
    internal static (WebSocketRole Role, ProtocolOptions Options) Options(ref FuzzInput fuzz, bool allowRsv1 = false)
    {
        byte flags = fuzz.Byte();
        byte a = fuzz.Byte();
        byte b = fuzz.Byte();
        bool small = (flags & 32) != 0;
        var options = new ProtocolOptions
        {
            ReceiveMode = (flags & 2) != 0 ? ReceiveMode.Streaming : ReceiveMode.WholeMessages,
            AutoPong = (flags & 4) == 0,
            SurfacePings = (flags & 8) != 0,
            AllowedReservedBits = allowRsv1 || (flags & 16) != 0 ? ReservedBits.Rsv1 : ReservedBits.None,
            MaxFrameSize = small ? a : ProtocolOptions.DefaultMaxSize,
            MaxMessageSize = small ? b * 2 : ProtocolOptions.DefaultMaxSize,
            MaxPendingPongBytes = small ? a / 2 : 4096,
        };
        return ((flags & 1) != 0 ? WebSocketRole.Client : WebSocketRole.Server, options);
    }

    /// <summary>What the application saw, with streamed fragments joined into their message.</summary>
    internal sealed record Seen(ProtocolEventKind Kind, WebSocketMessageKind Type, ReservedBits Bits, CloseCode Code, string? Reason, byte[] Payload)
    {
        public override string ToString() => $"{Kind} {Type} {Bits} {(int)Code} '{Reason}' {Payload.Length} B";
    }

    private static List<Seen> Receive(WebSocketRole role, ProtocolOptions options, List<byte[]> chunks, ArrayBufferWriter<byte> replies, bool drainEachChunk)
    {
        using var core = new WebSocketConnectionCore(role, options);
        var seen = new List<Seen>();
        var message = new ArrayBufferWriter<byte>();
        (WebSocketMessageKind Type, ReservedBits Bits)? streaming = null;
        bool ended = false;
        byte[] leftover = [];
        foreach (var chunk in chunks)
        {
            var buffer = Chunks.Sequence(leftover.Length == 0 ? [chunk] : [leftover, chunk]);
            long given = buffer.Length;
            while (core.TryReceive(ref buffer, out var ev))
            {
                Invariant.Holds(!ended, $"an event ({ev}) after the close or error");
                Invariant.Holds(buffer.Length <= given, "the buffer grew");
                switch (ev.Kind)
                {
                    case ProtocolEventKind.Message:
                        Invariant.Holds(options.ReceiveMode == ReceiveMode.WholeMessages && ev.EndOfMessage, $"a {ev} in streaming mode or not whole");
                        CheckMessage(options, ev.MessageKind, ev.ReservedBits, ev.Payload.ToArray(), seen);
                        break;
                    case ProtocolEventKind.Fragment:
                        Invariant.Holds(options.ReceiveMode == ReceiveMode.Streaming, "a fragment in whole-message mode");
                        Invariant.Holds(ev.Payload.Length <= options.MaxFrameSize, $"a fragment of {ev.Payload.Length} bytes, frame limit {options.MaxFrameSize}");
                        Invariant.Holds(streaming is null || streaming == (ev.MessageKind, ev.ReservedBits), "a message's fragments changed type or bits");
                        streaming = (ev.MessageKind, ev.ReservedBits);
                        Invariant.Holds(message.WrittenCount + ev.Payload.Length <= options.MaxMessageSize, $"a streamed message past {options.MaxMessageSize} bytes");
                        foreach (var segment in ev.Payload)
                        {
                            message.Write(segment.Span);
                        }
                        if (ev.EndOfMessage)
                        {
                            CheckMessage(options, ev.MessageKind, ev.ReservedBits, message.WrittenSpan.ToArray(), seen);
                            message.ResetWrittenCount();
                            streaming = null;
                        }
                        break;
                    case ProtocolEventKind.Ping:
                    case ProtocolEventKind.Pong:
                        Invariant.Holds(ev.Payload.Length <= FrameHeader.MaxControlPayload, $"a {ev.Kind} of {ev.Payload.Length} bytes");
                        Invariant.Holds(ev.Kind == ProtocolEventKind.Pong || options.SurfacePings || !options.AutoPong, "a ping surfaced although not asked for");
                        seen.Add(new Seen(ev.Kind, default, default, default, null, ev.Payload.ToArray()));
                        break;
                    case ProtocolEventKind.Close:
                        Invariant.Holds(CloseCodeRules.IsValidOnTheWire(ev.CloseStatus) || ev.CloseStatus == CloseCode.NoStatusReceived, $"close code {(int)ev.CloseStatus}");
                        Invariant.Holds(ev.Payload.Length <= FrameHeader.MaxControlPayload - 2 && ev.CloseReason is not null, "a close reason too long or missing");
                        Invariant.Holds(core.State == ConnectionState.CloseReceived && core.CloseStatus == ev.CloseStatus, $"state {core.State} after a close");
                        seen.Add(new Seen(ev.Kind, default, default, ev.CloseStatus, ev.CloseReason, ev.Payload.ToArray()));
                        ended = true;
                        break;
                    case ProtocolEventKind.Error:
                        Invariant.Holds(ev.CloseStatus is CloseCode.ProtocolError or CloseCode.InvalidPayloadData or CloseCode.MessageTooBig,
                            $"failed with {(int)ev.CloseStatus}");
                        Invariant.Holds(core.State == ConnectionState.Closed && core.Error is { } error && error.Code == ev.CloseStatus, "no error state after an error");
                        Invariant.Holds(buffer.IsEmpty, "bytes left after an error");
                        seen.Add(new Seen(ev.Kind, default, default, ev.CloseStatus, ev.CloseReason, []));
                        ended = true;
                        break;
                    default:
                        throw new InvariantException($"an event of kind {ev.Kind}");
                }
            }
            Invariant.Holds(buffer.Length <= MaxLeftover, $"{buffer.Length} bytes left unconsumed");
            leftover = buffer.ToArray();
            if (drainEachChunk)
            {
                core.WritePendingOutput(replies);
            }
        }
        core.WritePendingOutput(replies);
        core.OnTransportEnded();
        Invariant.Holds(core.State == ConnectionState.Closed && core.CloseStatus is not null, $"state {core.State} after the transport ended");
        return seen;
    }

    private static void CheckMessage(ProtocolOptions options, WebSocketMessageKind type, ReservedBits bits, byte[] payload, List<Seen> seen)
    {
        Invariant.Holds(payload.Length <= options.MaxMessageSize, $"a message of {payload.Length} bytes, limit {options.MaxMessageSize}");
        Invariant.Holds((bits & ~options.AllowedReservedBits) == 0, $"reserved bits {bits} not allowed");
        // RFC 6455 §8.1: text is valid UTF-8 (a message with an extension's bit is validated by the extension after decoding).
        Invariant.Holds(type != WebSocketMessageKind.Text || bits != ReservedBits.None || Utf8.IsValid(payload), "a text message that is not UTF-8");
        seen.Add(new Seen(ProtocolEventKind.Message, type, bits, default, null, payload));
    }

    internal static void Compare(List<Seen> whole, List<Seen> chunked)
    {
        int n = Math.Min(whole.Count, chunked.Count);
        for (int i = 0; i < n; i++)
        {
            var a = whole[i];
            var b = chunked[i];
            Invariant.Holds(a.Kind == b.Kind && a.Type == b.Type && a.Bits == b.Bits && a.Code == b.Code && a.Reason == b.Reason
                && a.Payload.AsSpan().SequenceEqual(b.Payload), $"event {i}: whole gave {a}, chunks gave {b}");
        }
        Invariant.Holds(whole.Count == chunked.Count, $"whole gave {whole.Count} events, chunks {chunked.Count}");
    }

    /// <summary>A peer of the other role reads our automatic replies: pongs, then at most one close, never an error.</summary>
    internal static void ReadReplies(WebSocketRole role, ReadOnlyMemory<byte> replies)
    {
        using var peer = new WebSocketConnectionCore(role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server);
        var buffer = new ReadOnlySequence<byte>(replies.ToArray());
        while (peer.TryReceive(ref buffer, out var ev))
        {
            Invariant.Holds(ev.Kind is ProtocolEventKind.Pong or ProtocolEventKind.Close, $"the peer read our replies as {ev}");
        }
        Invariant.Holds(buffer.IsEmpty, $"{buffer.Length} bytes of our replies are not whole frames");
    }
}
