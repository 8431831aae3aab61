using System.Buffers;
using System.IO.Compression;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.Tests.Compression;

namespace Ws101.Tests.Protocol;

/// <summary>
/// permessage-deflate spoken by the sans-I/O core alone (RFC 7692): one core compresses, another inflates, with no
/// socket, task or connection in between; and the same bytes fed whole, one byte at a time and in random chunks give
/// the same messages (the trickle harness of the frame layer, now with the extension stage on top of it).
/// </summary>
[Collection(ProtocolCollection.Name)]
public class CompressedConversationTests
{
    private const int BombLimit = 4 * 1024 * 1024;

    private static PerMessageDeflateAgreement Agreement(bool noContextTakeover) => new(new PerMessageDeflateParameters
    {
        ServerNoContextTakeover = noContextTakeover,
        ClientNoContextTakeover = noContextTakeover,
    });

    private static byte[] Deflated(ReadOnlySpan<byte> message)
    {
        using var compressor = new PerMessageDeflateCompressor(CompressionLevel.Optimal, noContextTakeover: true);
        return compressor.Compress(message, endOfMessage: true).ToArray();
    }

    /// <summary>
    /// What a client's core writes with permessage-deflate, and the messages a server must see in it: compressed and plain
    /// messages, a message streamed part by part with a ping between its parts, and one compressed whole and cut into
    /// three frames by hand, as some peers send it.
    /// </summary>
    private static (byte[] Wire, List<Seen> Expected, List<int> DataFrameSizes) ClientTalk(PerMessageDeflateAgreement agreement)
    {
        var sender = new WebSocketConnectionCore(WebSocketRole.Client, null, agreement);
        var output = new ArrayBufferWriter<byte>();
        var expected = new List<Seen>();
        byte[] json = Corpus.Json(20_000);
        byte[] random = Corpus.Random(5_000);

        sender.WriteMessage(output, WebSocketMessageKind.Text, json);
        sender.WriteMessage(output, WebSocketMessageKind.Text, json);
        expected.AddRange([Seen.Message(WebSocketMessageKind.Text, json), Seen.Message(WebSocketMessageKind.Text, json)]);
        sender.WriteText(output, "short: below the smallest size worth compressing");
        expected.Add(Seen.Text("short: below the smallest size worth compressing"));
        sender.WriteMessage(output, WebSocketMessageKind.Binary, random, MessageCompression.Always);
        sender.WriteMessage(output, WebSocketMessageKind.Binary, random, MessageCompression.Never);
        sender.WriteMessage(output, WebSocketMessageKind.Binary, [], MessageCompression.Always);
        expected.AddRange([Seen.Binary(random), Seen.Binary(random), Seen.Binary([])]);

        // Streamed: each part compressed as it comes (a part may end inside a code point of "✓").
        sender.WriteFragment(output, WebSocketMessageKind.Text, json.AsSpan(0, 7_001), endOfMessage: false);
        sender.WritePing(output, [7]);
        expected.Add(Seen.Ping([7]));
        sender.WriteFragment(output, WebSocketMessageKind.Text, json.AsSpan(7_001, 7_000), endOfMessage: false);
        sender.WriteFragment(output, WebSocketMessageKind.Text, json.AsSpan(14_001), endOfMessage: true);
        expected.Add(Seen.Message(WebSocketMessageKind.Text, json));

        // Compressed whole, then fragmented: RFC 7692 §6.1, RSV1 on the first frame only (0x41: RSV1 | text, no FIN).
        byte[] compressed = Deflated(json);
        int third = compressed.Length / 3;
        output.Write(Wire.Frame(WebSocketRole.Server, Wire.Rsv1 | 0x1, compressed.AsSpan(0, third)));
        output.Write(Wire.Frame(WebSocketRole.Server, 0x0, compressed.AsSpan(third, third)));
        output.Write(Wire.Frame(WebSocketRole.Server, Wire.Fin | 0x0, compressed.AsSpan(2 * third)));
        expected.Add(Seen.Message(WebSocketMessageKind.Text, json));

        sender.WriteClose(output, CloseCode.NormalClosure, "done");
        expected.Add(Seen.Close(CloseCode.NormalClosure, "done"));

        byte[] wire = output.WrittenSpan.ToArray();
        var sizes = Wire.Decode(wire).Where(f => (f.FirstByte & 0x0F) is 0x1 or 0x2 && (f.FirstByte & 0x80) != 0).Select(f => f.Payload.Length).ToList();
        return (wire, expected, sizes);
    }

    public static TheoryData<bool, ReceiveMode> Cases() => new()
    {
        { false, ReceiveMode.WholeMessages },
        { true, ReceiveMode.WholeMessages },
        { false, ReceiveMode.Streaming },
        { true, ReceiveMode.Streaming },
    };

    [Theory, MemberData(nameof(Cases))]
    public void a_compressed_conversation_fed_whole_byte_by_byte_and_in_random_chunks_gives_the_same_messages(bool noContextTakeover, ReceiveMode mode)
    {
        var agreement = Agreement(noContextTakeover);
        var (wire, expected, _) = ClientTalk(agreement);
        var options = new ProtocolOptions { ReceiveMode = mode, SurfacePings = true };

        Driver whole = new Driver(WebSocketRole.Server, options, agreement).Feed(wire);
        Assert.Equal(expected, whole.Events);
        // The replies (the pong, then the close reply) are the same however the input was split.
        string replies = Convert.ToHexString(whole.Output.WrittenSpan);
        Assert.Equal([0x8A, 0x88], whole.OutputFrames.Select(f => f.FirstByte));

        Driver trickled = new Driver(WebSocketRole.Server, options, agreement).Trickle(wire);
        Assert.Equal(expected, trickled.Events);
        Assert.Equal(replies, Convert.ToHexString(trickled.Output.WrittenSpan));
        var random = new Random(7692);
        for (int i = 0; i < 20; i++)
        {
            Driver chunked = new Driver(WebSocketRole.Server, options, agreement).FeedRandomly(wire, random, random.Next(1, 3000));
            Assert.Equal(expected, chunked.Events);
            Assert.Equal(replies, Convert.ToHexString(chunked.Output.WrittenSpan));
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void the_server_core_answers_compressed_and_the_client_core_reads_it_however_it_arrives(bool noContextTakeover, ReceiveMode mode)
    {
        var agreement = Agreement(noContextTakeover);
        var (wire, expected, _) = ClientTalk(agreement);
        Driver server = new Driver(WebSocketRole.Server, new ProtocolOptions { ReceiveMode = ReceiveMode.WholeMessages }, agreement).Feed(wire);
        // The server echoes every message through its own compressor, then ends the conversation.
        var echo = new ArrayBufferWriter<byte>();
        var reply = new WebSocketConnectionCore(WebSocketRole.Server, null, agreement);
        var echoed = new List<Seen>();
        foreach (var seen in server.Events.Where(e => e.Kind == ProtocolEventKind.Message))
        {
            reply.WriteMessage(echo, seen.Type, Convert.FromHexString(seen.Payload));
            echoed.Add(seen);
        }
        reply.WriteClose(echo, CloseCode.GoingAway, "");
        echoed.Add(Seen.Close(CloseCode.GoingAway));
        byte[] back = echo.WrittenSpan.ToArray();
        Assert.Contains(Wire.Decode(back), f => (f.FirstByte & Wire.Rsv1) != 0);

        var options = new ProtocolOptions { ReceiveMode = mode };
        Assert.Equal(echoed, new Driver(WebSocketRole.Client, options, agreement).Feed(back).Events);
        Assert.Equal(echoed, new Driver(WebSocketRole.Client, options, agreement).Trickle(back).Events);
        var random = new Random(1951);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(echoed, new Driver(WebSocketRole.Client, options, agreement).FeedRandomly(back, random, random.Next(1, 3000)).Events);
        }
        Assert.Equal(expected.Count(e => e.Kind == ProtocolEventKind.Message), echoed.Count - 1);
    }

    [Fact]
    public void rsv1_marks_the_first_frame_of_each_compressed_message_only()
    {
        var (wire, _, _) = ClientTalk(Agreement(noContextTakeover: false));
        var frames = Wire.Decode(wire);
        // RFC 7692 §6.1: RSV1 "is set on the first frame of a compressed message"; never on a continuation or a control frame.
        Assert.All(frames.Where(f => (f.FirstByte & 0x0F) is 0x0 or >= 0x8), f => Assert.Equal(0, f.FirstByte & Wire.Rsv1));
        var firsts = frames.Where(f => (f.FirstByte & 0x0F) is 0x1 or 0x2).Select(f => (f.FirstByte & Wire.Rsv1) != 0).ToList();
        // json, json, short (plain), random Always, random Never (plain), empty Always, streamed json, hand-cut json.
        Assert.Equal([true, true, false, true, false, true, true, true], firsts);
        Assert.All(frames, f => Assert.True(f.Masked));
    }

    [Fact]
    public void with_context_takeover_a_repeated_message_costs_a_fraction_and_without_it_the_same_again()
    {
        var (_, _, kept) = ClientTalk(Agreement(noContextTakeover: false));
        var (_, _, reset) = ClientTalk(Agreement(noContextTakeover: true));
        // The second copy of the same JSON refers back into the first when the context is kept (RFC 7692 §7.1.1).
        Assert.True(kept[1] * 4 < kept[0], $"{kept[0]} then {kept[1]} bytes");
        Assert.Equal(reset[0], reset[1]);
    }

    [Theory]
    [InlineData(ReceiveMode.WholeMessages)]
    [InlineData(ReceiveMode.Streaming)]
    public void text_that_inflates_to_invalid_utf8_and_data_that_does_not_inflate_fail_with_1007(ReceiveMode mode)
    {
        var agreement = Agreement(noContextTakeover: false);
        var options = new ProtocolOptions { ReceiveMode = mode };
        byte[] badText = Wire.Frame(WebSocketRole.Server, Wire.Fin | Wire.Rsv1 | 0x1, Deflated([0x61, 0xC3, 0x28, 0x62]));
        Assert.Equal(Seen.Error(CloseCode.InvalidPayloadData), new Driver(WebSocketRole.Server, options, agreement).Trickle(badText).Last);
        // BTYPE 11 is reserved (RFC 1951 §3.2.3).
        byte[] notDeflate = Wire.Frame(WebSocketRole.Server, Wire.Fin | Wire.Rsv1 | 0x2, [0xff, 0xff, 0xff]);
        var driver = new Driver(WebSocketRole.Server, options, agreement).Feed(notDeflate);
        Assert.Equal(Seen.Error(CloseCode.InvalidPayloadData), driver.Last);
        // The close frame with the code is pending output, as for any failure (RFC 6455 §7.1.7).
        var close = Assert.Single(driver.OutputFrames);
        Assert.Equal(0x88, close.FirstByte);
        Assert.Equal(1007, (close.Payload[0] << 8) | close.Payload[1]);
    }

    [Fact]
    public void without_an_agreement_rsv1_still_fails_the_connection()
    {
        byte[] compressed = Wire.Frame(WebSocketRole.Server, Wire.Fin | Wire.Rsv1 | 0x1, Deflated("hello"u8));
        Assert.Equal(Seen.Error(CloseCode.ProtocolError), new Driver(WebSocketRole.Server).Feed(compressed).Last);
    }

    // 1 GiB of zeros deflated (about 1 MB), as a client sends it: RSV1 | binary, continuation frames, an empty final frame.
    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        var frames = new MemoryStream();
        var sink = new MemoryStream();
        var zeros = new byte[1024 * 1024];
        bool first = true;
        using (var deflate = new DeflateStream(sink, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int fed = 0; fed < 1024; fed++)
            {
                deflate.Write(zeros);
                if (sink.Length < 64 * 1024 && fed < 1023)
                {
                    continue;
                }
                deflate.Flush();
                frames.Write(Wire.Frame(WebSocketRole.Server, first ? Wire.Rsv1 | 0x2 : 0x0, sink.ToArray()));
                sink.SetLength(0);
                first = false;
            }
        }
        frames.Write(Wire.Frame(WebSocketRole.Server, Wire.Fin | 0x0, []));
        return frames.ToArray();
    });

    public static TheoryData<ReceiveMode, string> BombCases() => new()
    {
        { ReceiveMode.WholeMessages, "whole" },
        { ReceiveMode.WholeMessages, "byte by byte" },
        { ReceiveMode.WholeMessages, "random chunks" },
        { ReceiveMode.Streaming, "whole" },
        { ReceiveMode.Streaming, "byte by byte" },
        { ReceiveMode.Streaming, "random chunks" },
    };

    [Theory, MemberData(nameof(BombCases))]
    public void a_gibibyte_bomb_is_stopped_at_the_limit_with_1009(ReceiveMode mode, string feeding)
    {
        byte[] wire = Bomb.Value;
        var options = new ProtocolOptions { ReceiveMode = mode, MaxMessageSize = BombLimit, MaxFrameSize = BombLimit };
        var driver = new Driver(WebSocketRole.Server, options, Agreement(noContextTakeover: false));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        _ = feeding switch
        {
            "whole" => driver.Feed(wire),
            "byte by byte" => driver.Trickle(wire),
            _ => driver.FeedRandomly(wire, new Random(1009), 4096),
        };
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(Seen.Error(CloseCode.MessageTooBig), driver.Last);
        Assert.DoesNotContain(driver.Events, e => e.Kind == ProtocolEventKind.Message);
        var close = Assert.Single(driver.OutputFrames);
        Assert.Equal(1009, (close.Payload[0] << 8) | close.Payload[1]);
        if (mode == ReceiveMode.Streaming && feeding != "whole")
        {
            // Inflated as it arrives, the bomb is stopped within the first few kilobytes of the wire, far from its end.
            Assert.True(driver.FedAtError < wire.Length / 10, $"failed after {driver.FedAtError} of {wire.Length} bytes");
        }
        else if (feeding == "whole")
        {
            // Reassembled first (about 1 MB, within the limit), then inflated only up to one byte past the limit. (Fed in
            // pieces, the harness's own copies of each piece would dwarf what the core allocates, so only this case counts.)
            Assert.True(allocated < 1024L * 1024 * 1024 / 16, $"allocated {allocated:N0} bytes for a 1 GiB bomb");
        }
    }
}
