using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// Autobahn|Testsuite section 6 (UTF-8 handling), from RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as
// UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
// Connection_."
[Collection(ProtocolCollection.Name)]
public class Utf8HandlingTests
{
    private static readonly string[] Valid =
    [
        "CEBAE1BDB9CF83CEBCCEB5", // κόσμε (Autobahn 6.2)
        "", "00", "7F", "C280", "DFBF", "E0A080", "EFBFBF", "F0908080", "F48FBFBF", "ED9FBF", "EE8080", "EFBFBD",
        "48656C6C6F2DC2B540C39FC3B6C3A4C3BCC3A0C3A12D5554462D382121", // Autobahn 6.2.1 "Hello-µ@ßöäüàá-UTF-8!!"
    ];

    private static readonly string[] Invalid =
    [
        "CEBAE1BDB9CF83CEBCCEB5EDA080656469746564", // Autobahn 6.3: κόσμε, a surrogate, "edited"
        "80", "BF", "C0AF", "C1BF", "E080AF", "F08080AF", "F4908080", "F5", "FE", "FF", "EDA080", "EDBFBF",
        "EDA080EDB080", // a surrogate pair spelled out in UTF-8 (CESU-8)
        "C2", "E0A0", "F09080", // truncated at the end of the message
        "C220", "E0A020", // a lead byte followed by ASCII
    ];

    public static TheoryData<WebSocketRole, string> ValidCases() => Cases(Valid);

    public static TheoryData<WebSocketRole, string> InvalidCases() => Cases(Invalid);

    private static TheoryData<WebSocketRole, string> Cases(string[] samples)
    {
        var data = new TheoryData<WebSocketRole, string>();
        foreach (WebSocketRole role in new[] { WebSocketRole.Server, WebSocketRole.Client })
        {
            foreach (string hex in samples)
            {
                data.Add(role, hex);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(ValidCases))]
    public void accepts_valid_text_whole_in_two_fragments_split_anywhere_and_in_one_byte_fragments(WebSocketRole role, string hex)
    {
        // Autobahn 6.1-6.2 and 6.5-6.23 (valid cases); RFC 6455 §8.1 with fragmentation (§5.4): a code point may span fragments.
        byte[] text = Convert.FromHexString(hex);
        Assert.Equal([Seen.Message(WebSocketMessageKind.Text, text)], Conformance.Run(role, Wire.Text(role, text)).Events);
        for (int cut = 0; cut <= text.Length; cut++)
        {
            byte[] wire = Wire.Concat(Wire.Text(role, text[..cut], fin: false), Wire.Continuation(role, text[cut..], fin: true));
            Assert.Equal([Seen.Message(WebSocketMessageKind.Text, text)], new Driver(role).Feed(wire).Events);
        }
        Assert.Equal([Seen.Message(WebSocketMessageKind.Text, text)], new Driver(role).Feed(OneByteFragments(role, text)).Events);
    }

    [Theory, MemberData(nameof(InvalidCases))]
    public void fails_with_1007_on_invalid_text_however_it_is_fragmented(WebSocketRole role, string hex)
    {
        // Autobahn 6.3 and 6.5-6.23 (invalid cases); RFC 6455 §8.1.
        byte[] text = Convert.FromHexString(hex);
        Conformance.AssertFailed(Conformance.Run(role, Wire.Text(role, text)), CloseCode.InvalidPayloadData);
        for (int cut = 0; cut <= text.Length; cut++)
        {
            byte[] wire = Wire.Concat(Wire.Text(role, text[..cut], fin: false), Wire.Continuation(role, text[cut..], fin: true));
            Conformance.AssertFailed(new Driver(role).Feed(wire), CloseCode.InvalidPayloadData);
        }
        Conformance.AssertFailed(new Driver(role).Feed(OneByteFragments(role, text)), CloseCode.InvalidPayloadData);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void fails_fast_on_an_invalid_fragment_before_the_message_is_finished(WebSocketRole role)
    {
        // Autobahn 6.4.1-6.4.2: the testee must fail when the bad fragment arrives, not wait for the final one.
        byte[] first = Wire.Text(role, Wire.Utf8("κόσμε"), fin: false);
        byte[] bad = Wire.Continuation(role, [0xF4, 0x90, 0x80, 0x80], fin: false);
        Driver d = Conformance.Run(role, Wire.Concat(first, bad));
        Conformance.AssertFailed(d, CloseCode.InvalidPayloadData);
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void fails_fast_inside_a_frame_whose_payload_has_not_all_arrived(WebSocketRole role)
    {
        // Autobahn 6.4.3-6.4.4: one frame, its invalid bytes sent first, the rest later; the failure comes before the rest.
        byte[] payload = Wire.Concat(Wire.Utf8("κόσμε"), [0xF4, 0x90, 0x80, 0x80], Wire.Utf8("edited"));
        byte[] frame = Wire.Text(role, payload);
        int invalidEnd = frame.Length - "edited".Length;
        foreach (var options in new[] { ProtocolOptions.Default, new ProtocolOptions { ReceiveMode = ReceiveMode.Streaming } })
        {
            Driver d = new Driver(role, options).Feed(frame[..invalidEnd]);
            Conformance.AssertFailed(d, CloseCode.InvalidPayloadData);
            Driver trickled = new Driver(role, options).Trickle(frame[..(invalidEnd - 3)]);
            Assert.DoesNotContain(trickled.Events, e => e.Kind == ProtocolEventKind.Error); // F4 is still a possible start
            trickled.Trickle(frame[(invalidEnd - 3)..(invalidEnd - 2)]); // F4 90 is not: above U+10FFFF
            Conformance.AssertFailed(trickled, CloseCode.InvalidPayloadData);
        }
    }

    [Theory, MemberData(nameof(Roles.Both), MemberType = typeof(Roles))]
    public void a_binary_message_is_never_checked_for_utf8(WebSocketRole role)
    {
        // RFC 6455 §5.6: binary data "is arbitrary binary data whose interpretation is solely up to the application layer".
        byte[] payload = [0xFF, 0xFE, 0xED, 0xA0, 0x80, 0xC0];
        Assert.Equal([Seen.Binary(payload)], Conformance.Run(role, Wire.Binary(role, payload)).Events);
    }

    private static byte[] OneByteFragments(WebSocketRole role, byte[] text)
    {
        if (text.Length == 0)
        {
            return Wire.Text(role, text);
        }
        var frames = new List<byte[]> { Wire.Text(role, text[..1], fin: text.Length == 1) };
        for (int i = 1; i < text.Length; i++)
        {
            frames.Add(Wire.Continuation(role, text[i..(i + 1)], fin: i == text.Length - 1));
        }
        return Wire.Concat(frames.ToArray());
    }
}
