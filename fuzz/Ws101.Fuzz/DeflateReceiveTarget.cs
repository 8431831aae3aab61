using System.Buffers;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101.Fuzz;

/// <summary>
/// The receive path with permessage-deflate on (RFC 7692 §6.2), as <see cref="WebSocketConnection"/> runs it today: the
/// core delivers a message or fragment with RSV1, <see cref="PerMessageDeflateDecompressor"/> inflates it under the
/// message limit, inflated text is checked as UTF-8, and a failure fails the core through
/// <see cref="WebSocketConnectionCore.FailForExtension"/>. Input: the option bytes of <see cref="ProtocolReceiveTarget"/>
/// (RSV1 always allowed), one deflate option byte (bit 0: the peer resets its context after each message), a chunk
/// plan, then the bytes the peer sent.
/// </summary>
/// <remarks>
/// No exception is expected: bad deflate data is <see cref="OperationStatus.InvalidData"/> and a bomb is
/// <see cref="OperationStatus.DestinationTooSmall"/>. Checked: no message inflates past the limit, whole-message mode
/// gives the same inflated messages whatever the chunking, and the close frame of a failure reads cleanly at the peer.
/// When permessage-deflate moves inside the protocol core, this file is the one to switch to the core's extension stage.
/// </remarks>
internal static class DeflateReceiveTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        var (role, options) = ProtocolReceiveTarget.Options(ref fuzz, allowRsv1: true);
        bool noContextTakeover = (fuzz.Byte() & 1) != 0;
        int[] plan = fuzz.ChunkPlan();
        var data = fuzz.Rest;

        var replies = new ArrayBufferWriter<byte>();
        var whole = Receive(role, options, noContextTakeover, Chunks.Cut(data, []), replies);
        ProtocolReceiveTarget.ReadReplies(role, replies.WrittenMemory);
        var chunkedReplies = new ArrayBufferWriter<byte>();
        var chunked = Receive(role, options, noContextTakeover, Chunks.Cut(data, plan), chunkedReplies);
        ProtocolReceiveTarget.ReadReplies(role, chunkedReplies.WrittenMemory);
        // Streamed fragments are inflated as they come, so their chunks (not only their messages) follow the input's cuts.
        if (options.ReceiveMode == ReceiveMode.WholeMessages)
        {
            ProtocolReceiveTarget.Compare(whole, chunked);
        }
    }

    private static List<ProtocolReceiveTarget.Seen> Receive(WebSocketRole role, ProtocolOptions options, bool noContextTakeover,
        List<byte[]> chunks, ArrayBufferWriter<byte> replies)
    {
        using var core = new WebSocketConnectionCore(role, options);
        using var decompressor = new PerMessageDeflateDecompressor(options.MaxMessageSize, noContextTakeover);
        var seen = new List<ProtocolReceiveTarget.Seen>();
        var message = new ArrayBufferWriter<byte>();
        var utf8 = default(Utf8Validator);
        byte[] leftover = [];
        foreach (var chunk in chunks)
        {
            var buffer = Chunks.Sequence(leftover.Length == 0 ? [chunk] : [leftover, chunk]);
            while (core.TryReceive(ref buffer, out var ev))
            {
                if (ev.Kind is not (ProtocolEventKind.Message or ProtocolEventKind.Fragment) || (ev.ReservedBits & ReservedBits.Rsv1) == 0)
                {
                    seen.Add(new(ev.Kind, ev.MessageType, ev.ReservedBits, ev.CloseStatus, ev.CloseReason, ev.Payload.ToArray()));
                    continue;
                }
                var status = decompressor.Decompress(ev.Payload, ev.EndOfMessage, out var inflated);
                string? failure = null;
                var code = CloseCode.InvalidPayloadData;
                if (status == OperationStatus.DestinationTooSmall)
                {
                    code = CloseCode.MessageTooBig;
                    failure = "inflates past the limit";
                }
                else if (status != OperationStatus.Done)
                {
                    Invariant.Holds(status == OperationStatus.InvalidData, $"Decompress returned {status}");
                    failure = "not deflate data";
                }
                else
                {
                    Invariant.Holds(message.WrittenCount + inflated.Length <= options.MaxMessageSize,
                        $"a message inflated to {message.WrittenCount + inflated.Length} bytes, limit {options.MaxMessageSize}");
                    message.Write(inflated.Span);
                    bool valid = ev.MessageType != MessageType.Text || utf8.Validate(inflated.Span);
                    if (!valid || (ev.MessageType == MessageType.Text && ev.EndOfMessage && !utf8.IsComplete))
                    {
                        failure = "inflated text is not UTF-8";
                    }
                }
                if (failure is not null)
                {
                    var error = core.FailForExtension(code, failure);
                    Invariant.Holds(error.Kind == ProtocolEventKind.Error && core.State == ConnectionState.Closed, "FailForExtension did not fail the connection");
                    seen.Add(new(error.Kind, default, default, error.CloseStatus, error.CloseReason, []));
                    decompressor.Trim();
                    continue;
                }
                if (ev.EndOfMessage)
                {
                    seen.Add(new(ProtocolEventKind.Message, ev.MessageType, ev.ReservedBits, default, null, message.WrittenSpan.ToArray()));
                    message.ResetWrittenCount();
                    utf8.Reset();
                    decompressor.Trim();
                }
            }
            leftover = buffer.ToArray();
            core.WritePendingOutput(replies);
        }
        core.OnTransportEnded();
        return seen;
    }
}
