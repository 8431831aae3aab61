using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// The trickle harness of DESIGN.md ("every parser gets a trickle harness"): one transcript holding every kind of frame
// and every length encoding, split at every offset, fed one byte at a time and in random chunks, gives the same events
// and the same replies (RFC 6455 §5.2: framing does not depend on how TCP segments the stream).
[Collection(ProtocolCollection.Name)]
public class TrickleTests
{
    private static byte[] Transcript(WebSocketRole role)
    {
        byte[] medium = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        byte[] large = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();
        return Wire.Concat(
            Wire.Text(role, "κόσμε"),
            Wire.Binary(role, []),
            Wire.Ping(role, [1, 2, 3]),
            Wire.Binary(role, medium),
            Wire.Text(role, Wire.Utf8("𝄞")[..2], fin: false),
            Wire.Pong(role, [4]),
            Wire.Continuation(role, Wire.Utf8("𝄞")[2..], fin: true),
            Wire.Binary(role, large),
            Wire.Close(role, 1000, "over"));
    }

    public static TheoryData<WebSocketRole, ReceiveMode> Cases() => new()
    {
        { WebSocketRole.Server, ReceiveMode.WholeMessages },
        { WebSocketRole.Client, ReceiveMode.WholeMessages },
        { WebSocketRole.Server, ReceiveMode.Streaming },
        { WebSocketRole.Client, ReceiveMode.Streaming },
    };

    [Theory, MemberData(nameof(Cases))]
    public void the_same_bytes_split_at_every_offset_give_the_same_events(WebSocketRole role, ReceiveMode mode)
    {
        var options = new ProtocolOptions { ReceiveMode = mode, SurfacePings = true };
        byte[] wire = Transcript(role);
        Driver reference = new Driver(role, options).Feed(wire);
        Assert.Equal(8, reference.Events.Count);
        string replies = Convert.ToHexString(Wire.Decode(reference.Output.WrittenSpan).SelectMany(f => f.Payload).ToArray());
        // Every offset inside the small frames and the first part of the large one, then a stride through the rest.
        for (int cut = 0; cut <= wire.Length; cut += cut < 1000 ? 1 : 997)
        {
            Driver d = new Driver(role, options).Feed(wire, [cut == 0 ? wire.Length : cut, wire.Length]);
            Assert.Equal(reference.Events, d.Events);
            Assert.Equal(replies, Convert.ToHexString(Wire.Decode(d.Output.WrittenSpan).SelectMany(f => f.Payload).ToArray()));
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void one_byte_at_a_time_and_random_chunks_give_the_same_events(WebSocketRole role, ReceiveMode mode)
    {
        var options = new ProtocolOptions { ReceiveMode = mode, SurfacePings = true };
        byte[] wire = Transcript(role);
        Driver reference = new Driver(role, options).Feed(wire);
        Assert.Equal(reference.Events, new Driver(role, options).Trickle(wire).Events);
        var random = new Random(6455);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(reference.Events, new Driver(role, options).FeedRandomly(wire, random, random.Next(1, 5000)).Events);
        }
    }
}
