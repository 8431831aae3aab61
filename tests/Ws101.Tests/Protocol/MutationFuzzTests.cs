using CsCheck;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// A fuzz property in the spirit of DESIGN.md ("fuzz targets live in the repo with a seed corpus"): a valid transcript
// (the seed) with random bytes overwritten, inserted or cut off. Whatever comes of it, the core never throws, never
// holds more than one header or control frame unconsumed, fails only with 1002, 1007 or 1009 (RFC 6455 §7.1.7, §7.4.1)
// and, above all, sees exactly the same events however the bytes are chunked (§5.2).
[Collection(ProtocolCollection.Name)]
public class MutationFuzzTests
{
    private static byte[] Seed(WebSocketRole role) => Wire.Concat(
        Wire.Text(role, "hello κόσμε"),
        Wire.Binary(role, Enumerable.Range(0, 200).Select(i => (byte)i).ToArray()),
        Wire.Ping(role, [1, 2, 3]),
        Wire.Text(role, Wire.Utf8("frag-𝄞")[..7], fin: false),
        Wire.Pong(role),
        Wire.Continuation(role, Wire.Utf8("frag-𝄞")[7..], fin: true),
        Wire.Close(role, 1000, "bye"));

    private sealed record Mutation(int Kind, int Position, byte Value);

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_mutated_transcript_gives_the_same_events_in_any_chunking_and_never_throws(WebSocketRole role)
    {
        byte[] seed = Seed(role);
        var mutation = Gen.Select(Gen.Int[0, 2], Gen.Int[0, seed.Length - 1], Gen.Byte).Select((k, p, v) => new Mutation(k, p, v));
        Gen.Select(mutation.Array[1, 4], Gen.Bool, Gen.Int).Sample((mutations, stream, chunkSeed) =>
        {
            var bytes = seed.ToList();
            foreach (Mutation m in mutations)
            {
                int at = Math.Min(m.Position, bytes.Count - 1);
                switch (m.Kind)
                {
                    case 0:
                        bytes[at] = m.Value;
                        break;
                    case 1:
                        bytes.Insert(at, m.Value);
                        break;
                    default:
                        bytes.RemoveRange(at, bytes.Count - at); // truncated input
                        break;
                }
                if (bytes.Count == 0)
                {
                    bytes.Add(m.Value);
                }
            }
            byte[] wire = bytes.ToArray();
            var options = new ProtocolOptions
            {
                ReceiveMode = stream ? ReceiveMode.Streaming : ReceiveMode.WholeMessages,
                MaxFrameSize = 4096,
                MaxMessageSize = 8192,
                SurfacePings = true,
            };
            Driver whole = new Driver(role, options).Feed(wire);
            Driver trickled = new Driver(role, options).Trickle(wire);
            Driver random = new Driver(role, options).FeedRandomly(wire, new Random(chunkSeed), 16);
            Assert.Equal(whole.Events, trickled.Events);
            Assert.Equal(whole.Events, random.Events);
            Assert.Equal(Convert.ToHexString(whole.Output.WrittenSpan.ToArray()).Length, Convert.ToHexString(trickled.Output.WrittenSpan.ToArray()).Length);
            Assert.True(whole.Unconsumed <= FrameHeader.MaxLength + FrameHeader.MaxControlPayload);
            var errors = whole.Events.Where(e => e.Kind == ProtocolEventKind.Error).ToList();
            Assert.True(errors.Count <= 1);
            if (errors.Count == 1)
            {
                Assert.Equal(errors[0], whole.Last);
                Assert.Contains(errors[0].Code, new[] { 1002, 1007, 1009 });
            }
        }, iter: 1000);
    }
}
