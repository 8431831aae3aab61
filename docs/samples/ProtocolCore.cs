using System.Buffers;
using System.IO.Pipelines;
using Ws101.Protocol;

namespace Ws101.DocSamples;

internal static class ProtocolCore
{
    private static void Handle(WebSocketMessageKind type, ReadOnlySequence<byte> payload) => Console.WriteLine($"{type} {payload.Length}");

    private static void Closed(CloseCode status, string? reason) => Console.WriteLine($"{(int)status} {reason}");

    public static async Task Loop(PipeReader input, PipeWriter output, byte[] part1, byte[] part2, CancellationToken ct)
    {
var core = new WebSocketConnectionCore(WebSocketRole.Server, new ProtocolOptions { MaxMessageSize = 4 << 20 });
while (true)
{
    ReadResult read = await input.ReadAsync(ct);
    ReadOnlySequence<byte> buffer = read.Buffer;
    while (core.TryReceive(ref buffer, out ProtocolEvent ev))        // payload unmasked in place, no copy
    {
        if (ev.Kind == ProtocolEventKind.Message) Handle(ev.MessageKind, ev.Payload); // valid until the next call
        else if (ev.Kind is ProtocolEventKind.Close or ProtocolEventKind.Error) Closed(ev.CloseStatus, ev.CloseReason);
    }
    input.AdvanceTo(buffer.Start, buffer.End);
    if (core.HasPendingOutput) { core.WritePendingOutput(output); await output.FlushAsync(ct); } // pongs, close replies
    if (core.ShouldCloseTransport) break;                               // server: after the closing handshake (§7.1.1)
    if (read.IsCompleted) { core.OnTransportEnded(); break; }          // 1006 if no close frame came (§7.1.5)
}
// Sending, serialized with the loop above (the core is not thread-safe):
core.WriteText(output, "hello");                                        // or WriteMessage(output, WebSocketMessageKind.Binary, bytes)
core.WriteFragment(output, WebSocketMessageKind.Binary, part1, endOfMessage: false);   // streamed sending
core.WriteFragment(output, WebSocketMessageKind.Binary, part2, endOfMessage: true);
core.WriteClose(output, CloseCode.NormalClosure, "bye");               // afterwards data writes throw
    }
}
