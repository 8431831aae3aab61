using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 9 (limits and performance) and the size limits of RFC 6455 §10.4: "implementations will
// likely want to impose implementation-specific limits on frame size and total message size", failing with 1009
// ("a message that is too big for it to process", §7.4.1).
[Collection(ProtocolCollection.Name)]
public class LimitsTests
{
    [Fact]
    public void the_defaults_are_one_mebibyte_frames_and_messages()
    {
        Assert.Equal(1 << 20, ProtocolOptions.Default.MaxFrameSize);
        Assert.Equal(1 << 20, ProtocolOptions.Default.MaxMessageSize);
        Assert.Equal(ReceiveMode.WholeMessages, ProtocolOptions.Default.ReceiveMode);
        Assert.True(ProtocolOptions.Default.AutoPong);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_message_exactly_at_the_limit_is_received(WebSocketRole role)
    {
        // Autobahn 9.1.x-9.2.x shape at the default limit.
        byte[] payload = new byte[ProtocolOptions.DefaultMaxSize];
        new Random(9).NextBytes(payload);
        Driver d = new Driver(role).Feed(Wire.Binary(role, payload), [65536]);
        Assert.Equal([Seen.Binary(payload)], d.Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_frame_header_declaring_more_than_max_frame_size_fails_with_1009_before_any_payload(WebSocketRole role)
    {
        // RFC 6455 §10.4: the check is on the declared length, so nothing is buffered for an oversized frame.
        var options = new ProtocolOptions { MaxFrameSize = 1000, MaxMessageSize = 10_000 };
        byte[] header = Wire.Frame(role, 0x82, [], declaredLength: 1001);
        Driver d = new Driver(role, options).Feed(header);
        Conformance.AssertFailed(d, CloseCode.MessageTooBig);
        Assert.Equal([Seen.Binary(new byte[1000])], new Driver(role, options).Feed(Wire.Binary(role, new byte[1000])).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_huge_64_bit_length_fails_with_1009_not_an_allocation(WebSocketRole role)
    {
        // RFC 6455 §5.2 allows lengths up to 2^63-1; §10.4 lets the endpoint refuse them.
        byte[] header = Wire.Frame(role, 0x82, [], declaredLength: long.MaxValue);
        Conformance.AssertFailed(Conformance.Run(role, header), CloseCode.MessageTooBig);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void fragments_adding_up_beyond_max_message_size_fail_with_1009_at_the_fragment_that_crosses(WebSocketRole role)
    {
        // RFC 6455 §10.4, for the total of a fragmented message (§5.4).
        var options = new ProtocolOptions { MaxFrameSize = 100, MaxMessageSize = 250 };
        byte[] wire = Wire.Concat(
            Wire.Binary(role, new byte[100], fin: false),
            Wire.Continuation(role, new byte[100], fin: false),
            Wire.Frame(role, 0x00, [], declaredLength: 51)); // header only: 251 bytes in total
        Driver d = Conformance.Run(role, wire, options);
        Assert.Single(d.Events);
        Conformance.AssertFailed(d, CloseCode.MessageTooBig);
        byte[] fits = Wire.Concat(
            Wire.Binary(role, new byte[100], fin: false),
            Wire.Continuation(role, new byte[100], fin: false),
            Wire.Continuation(role, new byte[50], fin: true));
        Assert.Equal([Seen.Binary(new byte[250])], Conformance.Run(role, fits, options).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void large_messages_in_many_sizes_of_fragments_and_reads_come_out_whole(WebSocketRole role)
    {
        // Autobahn 9.3-9.4 shape (fragment sizes 64 B to 4 MiB there; smaller here to stay fast): a 256 KiB message.
        byte[] payload = new byte[256 * 1024];
        new Random(3).NextBytes(payload);
        foreach (int fragment in new[] { 64, 1000, 4096, 65536, payload.Length })
        {
            var frames = new List<byte[]>();
            for (int at = 0; at < payload.Length; at += fragment)
            {
                byte[] part = payload[at..Math.Min(at + fragment, payload.Length)];
                bool fin = at + fragment >= payload.Length;
                frames.Add(at == 0 ? Wire.Binary(role, part, fin) : Wire.Continuation(role, part, fin));
            }
            Driver d = new Driver(role).Feed(Wire.Concat(frames.ToArray()), [4096, 100, 7000]);
            Assert.Equal([Seen.Binary(payload)], d.Events);
        }
    }

    [Fact]
    public void options_refuse_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketConnectionCore(WebSocketRole.Server, new ProtocolOptions { MaxFrameSize = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketConnectionCore(WebSocketRole.Server, new ProtocolOptions { MaxMessageSize = long.MaxValue }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketConnectionCore((WebSocketRole)7));
        // Streaming needs no reassembly buffer, so any message size is fine.
        _ = new WebSocketConnectionCore(WebSocketRole.Server, new ProtocolOptions { MaxMessageSize = long.MaxValue, ReceiveMode = ReceiveMode.Streaming });
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void garbage_input_never_throws_and_ends_in_nothing_or_a_clean_failure(WebSocketRole role)
    {
        // RFC 6455 §7.1.7: whatever arrives, the endpoint either waits for more or fails the connection with a code.
        var random = new Random(42);
        for (int i = 0; i < 500; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            Driver d = new Driver(role, new ProtocolOptions { MaxFrameSize = 200, MaxMessageSize = 400 }).FeedRandomly(garbage, random, 40);
            Assert.All(d.Events.Where(e => e.Kind == ProtocolEventKind.Error),
                e => Assert.Contains(e.Code, new[] { 1002, 1007, 1009 }));
            Assert.True(d.Unconsumed <= FrameHeader.MaxLength + FrameHeader.MaxControlPayload);
        }
    }
}
