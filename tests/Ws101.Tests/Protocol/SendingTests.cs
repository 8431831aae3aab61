using System.Buffers;
using System.Buffers.Binary;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// What each role writes: RFC 6455 §5.1-§5.3 (masking, minimal lengths), §5.4 (fragmentation), §5.5 (control frames).
[Collection(ProtocolCollection.Name)]
public class SendingTests
{
    [Fact]
    public void a_client_masks_every_frame_with_a_fresh_key()
    {
        // RFC 6455 §5.3: "The masking key is a 32-bit value chosen at random by the client ... a new masking key for
        // each frame".
        var core = new WebSocketConnectionCore(WebSocketRole.Client);
        var output = new ArrayBufferWriter<byte>();
        var keys = new HashSet<uint>();
        for (int i = 0; i < 200; i++)
        {
            output.ResetWrittenCount();
            core.WriteMessage(output, WebSocketMessageKind.Binary, new byte[10]);
            ReadOnlySpan<byte> frame = output.WrittenSpan;
            Assert.True((frame[1] & 0x80) != 0);
            Assert.True(keys.Add(BinaryPrimitives.ReadUInt32BigEndian(frame[2..])));
        }
    }

    [Fact]
    public void a_server_never_masks()
    {
        // RFC 6455 §5.1: "A server MUST NOT mask any frames that it sends to the client."
        var core = new WebSocketConnectionCore(WebSocketRole.Server);
        var output = new ArrayBufferWriter<byte>();
        core.WriteMessage(output, WebSocketMessageKind.Text, "Hi"u8);
        core.WritePing(output, [1]);
        core.WritePong(output);
        core.WriteClose(output);
        Assert.Equal("8102" + "4869" + "890101" + "8A00" + "880203E8", Convert.ToHexString(output.WrittenSpan));
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void writes_the_minimal_length_encoding_for_every_size(WebSocketRole role)
    {
        // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
        var core = new WebSocketConnectionCore(role);
        foreach (int length in new[] { 0, 1, 125, 126, 65535, 65536, 100_000 })
        {
            var output = new ArrayBufferWriter<byte>();
            core.WriteMessage(output, WebSocketMessageKind.Binary, new byte[length]);
            int expectedHeader = (length <= 125 ? 2 : length <= 65535 ? 4 : 10) + (role == WebSocketRole.Client ? 4 : 0);
            Assert.Equal(expectedHeader + length, output.WrittenCount);
            Assert.Equal(length, Wire.Decode(output.WrittenSpan).Single().Payload.Length);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void streams_a_message_as_a_first_frame_continuations_and_a_final_frame(WebSocketRole role)
    {
        // RFC 6455 §5.4, with a ping between fragments.
        var core = new WebSocketConnectionCore(role);
        var output = new ArrayBufferWriter<byte>();
        core.WriteFragment(output, WebSocketMessageKind.Text, "Hel"u8, endOfMessage: false);
        core.WritePing(output, [1]);
        core.WriteFragment(output, WebSocketMessageKind.Text, "lo, "u8, endOfMessage: false);
        Assert.Throws<InvalidOperationException>(() => core.WriteFragment(output, WebSocketMessageKind.Binary, [], endOfMessage: true));
        Assert.Throws<InvalidOperationException>(() => core.WriteMessage(output, WebSocketMessageKind.Text, "x"u8));
        core.WriteFragment(output, WebSocketMessageKind.Text, "world"u8, endOfMessage: true);
        var frames = Wire.Decode(output.WrittenSpan);
        Assert.Equal([0x01, 0x89, 0x00, 0x80], frames.Select(f => f.FirstByte));
        Assert.All(frames, f => Assert.Equal(role == WebSocketRole.Client, f.Masked));
        // And the other role reads it back as one message.
        Driver peer = new Driver(Wire.Other(role), new ProtocolOptions { SurfacePings = true }).Feed(output.WrittenSpan.ToArray());
        Assert.Equal([Seen.Ping([1]), Seen.Text("Hello, world")], peer.Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void writes_text_from_chars_as_utf8(WebSocketRole role)
    {
        var core = new WebSocketConnectionCore(role);
        var output = new ArrayBufferWriter<byte>();
        core.WriteText(output, "κόσμε 𝄞");
        Assert.Equal([Seen.Text("κόσμε 𝄞")], new Driver(Wire.Other(role)).Feed(output.WrittenSpan.ToArray()).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_large_frame_is_written_across_many_small_output_buffers(WebSocketRole role)
    {
        // An IBufferWriter may hand out small spans (a pipe's segments); masking continues across them.
        var core = new WebSocketConnectionCore(role);
        var output = new SmallSpanWriter(37);
        byte[] payload = new byte[10_000];
        new Random(8).NextBytes(payload);
        core.WriteMessage(output, WebSocketMessageKind.Binary, payload);
        Assert.Equal([Seen.Binary(payload)], new Driver(Wire.Other(role)).Feed(output.ToArray()).Events);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void refuses_control_payloads_over_125_bytes_and_reserved_bits_not_negotiated(WebSocketRole role)
    {
        // RFC 6455 §5.5 and §5.2.
        var core = new WebSocketConnectionCore(role);
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => core.WritePing(output, new byte[126]));
        Assert.Throws<ArgumentException>(() => core.WriteMessage(output, WebSocketMessageKind.Binary, [], ReservedBits.Rsv1));
        var deflate = new WebSocketConnectionCore(role, new ProtocolOptions { AllowedReservedBits = ReservedBits.Rsv1 });
        deflate.WriteMessage(output, WebSocketMessageKind.Binary, [1], ReservedBits.Rsv1);
        Assert.Equal(0xC2, output.WrittenSpan[0]);
    }

    /// <summary>An output that hands out spans of a fixed small size, like a segmented pipe.</summary>
    private sealed class SmallSpanWriter(int size) : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(size, sizeHint)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => _written.ToArray();
    }
}
