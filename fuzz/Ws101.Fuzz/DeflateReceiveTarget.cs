using System.Buffers;
using System.Text.Unicode;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101.Fuzz;

/// <summary>
/// The receive path with permessage-deflate on (RFC 7692 §6.2), all inside the protocol core: a core given the
/// agreement inflates every message with RSV1 under the message limit, checks inflated text as UTF-8 and fails the
/// connection itself. Input: the option bytes of <see cref="ProtocolReceiveTarget"/>, one deflate option byte (bit 0:
/// the peer resets its context after each message), a chunk plan, then the bytes the peer sent.
/// </summary>
/// <remarks>
/// No exception is expected: bad deflate data is a 1007 and a bomb a 1009, as <see cref="ProtocolEventKind.Error"/>
/// events. Checked: RSV1 never reaches the application, no message inflates past the limit, inflated text is valid
/// UTF-8, whole-message mode gives the same inflated messages whatever the chunking, and the close frame of a failure
/// reads cleanly at the peer.
/// </remarks>
internal static class DeflateReceiveTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        var (role, options) = ProtocolReceiveTarget.Options(ref fuzz, allowRsv1: false);
        bool noContextTakeover = (fuzz.Byte() & 1) != 0;
        int[] plan = fuzz.ChunkPlan();
        var data = fuzz.Rest;
        var agreement = new PerMessageDeflateAgreement(new PerMessageDeflateParameters
        {
            ServerNoContextTakeover = noContextTakeover,
            ClientNoContextTakeover = noContextTakeover,
        });

        var replies = new ArrayBufferWriter<byte>();
        var whole = Receive(role, options, agreement, Chunks.Cut(data, []), replies);
        ProtocolReceiveTarget.ReadReplies(role, replies.WrittenMemory);
        var chunkedReplies = new ArrayBufferWriter<byte>();
        var chunked = Receive(role, options, agreement, Chunks.Cut(data, plan), chunkedReplies);
        ProtocolReceiveTarget.ReadReplies(role, chunkedReplies.WrittenMemory);
        // Streamed fragments are inflated as they come, so their chunks (not only their messages) follow the input's cuts.
        if (options.ReceiveMode == ReceiveMode.WholeMessages)
        {
            ProtocolReceiveTarget.Compare(whole, chunked);
        }
    }

    private static List<ProtocolReceiveTarget.Seen> Receive(WebSocketRole role, ProtocolOptions options, PerMessageDeflateAgreement agreement,
        List<byte[]> chunks, ArrayBufferWriter<byte> replies)
    {
        using var core = new WebSocketConnectionCore(role, options, agreement);
        var seen = new List<ProtocolReceiveTarget.Seen>();
        var message = new ArrayBufferWriter<byte>();
        byte[] leftover = [];
        foreach (var chunk in chunks)
        {
            var buffer = Chunks.Sequence(leftover.Length == 0 ? [chunk] : [leftover, chunk]);
            while (core.TryReceive(ref buffer, out var ev))
            {
                if (ev.Kind is not (ProtocolEventKind.Message or ProtocolEventKind.Fragment))
                {
                    Invariant.Holds(ev.Kind != ProtocolEventKind.Error || ev.CloseStatus is CloseCode.ProtocolError or CloseCode.InvalidPayloadData or CloseCode.MessageTooBig,
                        $"failed with {(int)ev.CloseStatus}");
                    seen.Add(new(ev.Kind, ev.MessageKind, ev.ReservedBits, ev.CloseStatus, ev.CloseReason, ev.Payload.ToArray()));
                    continue;
                }
                // The stage consumed RSV1; what reaches the application is plain data within the limit.
                Invariant.Holds(ev.ReservedBits == ReservedBits.None, $"reserved bits {ev.ReservedBits} reached the application");
                foreach (var segment in ev.Payload)
                {
                    message.Write(segment.Span);
                }
                Invariant.Holds(message.WrittenCount <= options.MaxMessageSize,
                    $"a message inflated to {message.WrittenCount} bytes, limit {options.MaxMessageSize}");
                if (ev.EndOfMessage)
                {
                    Invariant.Holds(ev.MessageKind != WebSocketMessageKind.Text || Utf8.IsValid(message.WrittenSpan), "a text message that is not UTF-8");
                    seen.Add(new(ProtocolEventKind.Message, ev.MessageKind, ev.ReservedBits, default, null, message.WrittenSpan.ToArray()));
                    message.ResetWrittenCount();
                }
            }
            leftover = buffer.ToArray();
            core.WritePendingOutput(replies);
            core.ReleaseIdleBuffers();
        }
        core.OnTransportEnded();
        return seen;
    }
}
