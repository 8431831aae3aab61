using System.Buffers.Binary;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

/// <summary>
/// Runs a scenario the way Autobahn|Testsuite does (a peer sends bytes, the endpoint under test reacts), and runs it
/// three times: all bytes at once, one byte at a time, and in random chunks. All three must see the same events and
/// write the same frames; the first run is returned for the test's own assertions.
/// </summary>
internal static class Conformance
{
    public static Driver Run(WebSocketRole role, byte[] wire, ProtocolOptions? options = null)
    {
        Driver whole = new Driver(role, options).Feed(wire);
        Driver trickled = new Driver(role, options).Trickle(wire);
        Driver random = new Driver(role, options).FeedRandomly(wire, new Random(wire.Length), 97);
        Assert.Equal(whole.Events, trickled.Events);
        Assert.Equal(whole.Events, random.Events);
        Assert.Equal(Frames(whole), Frames(trickled));
        Assert.Equal(Frames(whole), Frames(random));
        Assert.Equal(whole.Core.State, trickled.Core.State);
        return whole;
    }

    private static List<string> Frames(Driver d) =>
        d.OutputFrames.Select(f => $"{f.FirstByte:X2}:{Convert.ToHexString(f.Payload)}").ToList();

    /// <summary>Asserts that the endpoint failed the connection (§7.1.7) with <paramref name="code"/>: an Error event last,
    /// a close frame with that code as its last output, masked per role, the Closed state, and TCP to be closed.</summary>
    public static void AssertFailed(Driver d, CloseCode code)
    {
        Assert.Equal(Seen.Error(code), d.Last);
        var (firstByte, masked, payload) = d.OutputFrames[^1];
        Assert.Equal(0x88, firstByte);
        Assert.Equal(d.Core.Role == WebSocketRole.Client, masked);
        Assert.Equal((int)code, BinaryPrimitives.ReadUInt16BigEndian(payload));
        // The reason on the wire fits a control frame and is valid UTF-8, since the peer checks it too (§5.5, §8.1).
        Assert.InRange(payload.Length, 2, 125);
        Assert.True(System.Text.Unicode.Utf8.IsValid(payload.AsSpan(2)));
        Assert.Equal(ConnectionState.Closed, d.Core.State);
        Assert.True(d.Core.ShouldCloseTransport);
        Assert.Equal(code, d.Core.CloseStatus);
        Assert.Equal(code, d.Core.Error?.Code);
    }

    /// <summary>The frames the endpoint wrote as pending output, as (opcode byte, payload) pairs, and checks masking per role.</summary>
    public static List<string> Output(Driver d)
    {
        var frames = d.OutputFrames;
        Assert.All(frames, f => Assert.Equal(d.Core.Role == WebSocketRole.Client, f.Masked));
        return frames.Select(f => Frame(f.FirstByte, f.Payload)).ToList();
    }

    /// <summary>A frame as <see cref="Output"/> lists it: first byte and payload in hex.</summary>
    public static string Frame(int firstByte, byte[] payload) => $"{firstByte:X2}:{Convert.ToHexString(payload)}";

    /// <summary>A pong as <see cref="Output"/> lists it.</summary>
    public static string Pong(byte[] payload) => Frame(0x8A, payload);
}
