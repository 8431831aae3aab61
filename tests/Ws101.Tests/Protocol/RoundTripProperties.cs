using System.Buffers;
using CsCheck;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Property: whatever one role writes (messages whole or streamed in fragments, pings and pongs between and inside them,
// a close at the end), the other role reads back identically however the bytes are chunked (RFC 6455 §5.2-§5.5, §5.4
// for fragments split anywhere, including inside a UTF-8 code point).
[Collection(ProtocolCollection.Name)]
public class RoundTripProperties
{
    private sealed record Op(int Kind, WebSocketMessageKind Type, byte[] Payload, int[] Cuts, bool PingInside);

    private sealed record Script(Op[] Ops, int? CloseCode, string CloseReason, int Chunking, int Seed, bool Stream);

    private static readonly Gen<byte[]> Binary = Gen.Frequency((8, Gen.Byte.Array[0, 200]), (1, Gen.Byte.Array[0, 70_000]));

    private static readonly Gen<byte[]> Text = Gen.Frequency((8, Gen.String[0, 100]), (1, Gen.String[0, 20_000])).Select(Wire.Utf8);

    private static readonly Gen<Op> Message =
        Gen.Select(Gen.Bool, Binary, Text, Gen.Int[0, 100_000].Array[0, 3], Gen.Bool)
            .Select((isText, bin, text, cuts, pingInside) =>
                new Op(0, isText ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, isText ? text : bin, cuts, pingInside));

    private static readonly Gen<Op> Control =
        Gen.Select(Gen.Int[1, 2], Gen.Byte.Array[0, 125]).Select((kind, payload) => new Op(kind, default, payload, [], false));

    private static readonly Gen<Script> Scripts =
        Gen.Select(Gen.Frequency((4, Message), (1, Control)).Array[0, 10],
                Gen.Frequency((1, Gen.Const((int?)null)), (2, Gen.OneOf<int?>(1000, 1001, 1003, 1008, 3000, 4999))),
                Gen.String[0, 30], Gen.Int[0, 3], Gen.Int, Gen.Bool)
            .Select((ops, code, reason, chunking, seed, stream) => new Script(ops, code, reason, chunking, seed, stream));

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void whatever_one_role_writes_the_other_reads_identically_in_any_chunking(WebSocketRole sender)
    {
        Scripts.Sample(script =>
        {
            var writer = new WebSocketConnectionCore(sender);
            var wire = new ArrayBufferWriter<byte>();
            var expected = new List<Seen>();
            var pings = new List<byte[]>();
            foreach (Op op in script.Ops)
            {
                switch (op.Kind)
                {
                    case 1:
                        writer.WritePing(wire, op.Payload);
                        expected.Add(Seen.Ping(op.Payload));
                        pings.Add(op.Payload);
                        break;
                    case 2:
                        writer.WritePong(wire, op.Payload);
                        expected.Add(Seen.Pong(op.Payload));
                        break;
                    default:
                        int[] cuts = op.Cuts.Select(c => op.Payload.Length == 0 ? 0 : c % (op.Payload.Length + 1)).Order().ToArray();
                        if (cuts.Length == 0)
                        {
                            writer.WriteMessage(wire, op.Type, op.Payload);
                        }
                        int from = 0;
                        for (int i = 0; i < cuts.Length; i++)
                        {
                            writer.WriteFragment(wire, op.Type, op.Payload.AsSpan(from, cuts[i] - from), endOfMessage: false);
                            from = cuts[i];
                            if (op.PingInside)
                            {
                                byte[] ping = [(byte)i];
                                writer.WritePing(wire, ping);
                                expected.Add(Seen.Ping(ping));
                                pings.Add(ping);
                            }
                        }
                        if (cuts.Length > 0)
                        {
                            writer.WriteFragment(wire, op.Type, op.Payload.AsSpan(from), endOfMessage: true);
                        }
                        expected.Add(Seen.Message(op.Type, op.Payload));
                        break;
                }
            }
            if (script.CloseCode is int code)
            {
                writer.WriteClose(wire, (CloseCode)code, script.CloseReason);
                expected.Add(Seen.Close((CloseCode)code, script.CloseReason));
            }

            var options = new ProtocolOptions
            {
                SurfacePings = true,
                ReceiveMode = script.Stream ? ReceiveMode.Streaming : ReceiveMode.WholeMessages,
            };
            var reader = new Driver(Wire.Other(sender), options);
            byte[] bytes = wire.WrittenSpan.ToArray();
            var random = new Random(script.Seed);
            _ = script.Chunking switch
            {
                0 => reader.Trickle(bytes),
                1 => reader.Feed(bytes),
                2 => reader.FeedRandomly(bytes, random, 64),
                _ => reader.FeedRandomly(bytes, random, Math.Max(1, bytes.Length)),
            };
            Assert.Equal(expected, reader.Events);
            Assert.Equal(0, reader.Unconsumed);

            // The reader's automatic replies, read back by the writer: a pong per ping, then the close echo.
            var back = new Driver(sender).Feed(reader.Output.WrittenSpan.ToArray());
            var replies = pings.Select(Seen.Pong).ToList();
            if (script.CloseCode is int echoed)
            {
                replies.Add(Seen.Close((CloseCode)echoed));
                Assert.Equal(ConnectionState.Closed, reader.Core.State);
            }
            Assert.Equal(replies, back.Events);
        }, iter: 150);
    }
}
