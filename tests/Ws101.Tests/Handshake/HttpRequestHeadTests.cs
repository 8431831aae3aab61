using System.Text;
using CsCheck;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class HttpRequestHeadTests
{
    private static string Parse(ReadOnlySpan<byte> input, HttpParseLimits? limits = null) =>
        Trickle.Describe(HttpRequestHead.Parse(input, limits), Trickle.ShowRequest);

    private static HandshakeProblem Invalid(string text, HttpParseLimits? limits = null)
    {
        var r = HttpRequestHead.Parse(Latin1(text), limits);
        Assert.Equal(HttpParseStatus.Invalid, r.Status);
        Assert.Null(r.Head);
        return r.Problem!;
    }

    // RFC 9112 §3, RFC 6455 §4.1: what a browser actually sends.
    [Fact]
    public void parses_a_typical_chromium_upgrade_request()
    {
        byte[] bytes = Latin1(ChromiumRequest);
        var r = HttpRequestHead.Parse(bytes);
        Assert.Equal(HttpParseStatus.Complete, r.Status);
        Assert.Equal(bytes.Length, r.BytesConsumed);
        var h = r.Head!;
        Assert.Equal("GET", h.Method);
        Assert.Equal("/chat?room=1", h.Target);
        Assert.Equal("/chat", h.Path);
        Assert.Equal("room=1", h.Query);
        Assert.Equal(new Version(1, 1), h.Version);
        Assert.Equal("GET /chat?room=1 HTTP/1.1", h.RequestLine);
        Assert.Equal(12, h.Headers.Count);
        Assert.Equal("example.com:8080", h.Headers.GetFirst("Host"));
        Assert.Equal("permessage-deflate; client_max_window_bits", h.Headers.GetFirst("Sec-WebSocket-Extensions"));
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", h.Headers.GetFirst("User-Agent"));
        // The start line is line 1; the Host header is line 2.
        Assert.Equal(2, h.Headers.Fields[0].Line);
        Assert.Equal(13, h.Headers.Fields[^1].Line);
    }

    // RFC 9110 §5.1: field names are case-insensitive.
    [Fact]
    public void finds_header_names_in_any_case()
    {
        var h = ParseRequest(Request("/", "hOsT: a", "SEC-WEBSOCKET-KEY: k")).Headers;
        Assert.Equal("a", h.GetFirst("Host"));
        Assert.Equal("a", h.GetFirst("HOST"));
        Assert.Equal("k", h.GetFirst("sec-websocket-key"));
        Assert.Equal("hOsT", h[0].Key);
    }

    // RFC 9110 §5.3: a recipient keeps repeated lines; RFC 6455 needs them to see a repeated key.
    [Fact]
    public void keeps_repeated_header_lines_in_order()
    {
        var h = ParseRequest(Request("/", "X-A: 1", "Cookie: a=1", "X-A: 2", "Cookie: b=2")).Headers;
        Assert.Equal(4, h.Count);
        Assert.Equal(2, h.CountOf("x-a"));
        Assert.Equal(["a=1", "b=2"], h.FindAll("Cookie").Select(f => f.Value));
        Assert.Equal([3, 5], h.FindAll("Cookie").Select(f => f.Line));
    }

    // RFC 9112 §5: optional whitespace around the value is not part of it.
    [Fact]
    public void trims_spaces_and_tabs_around_values_but_not_inside()
    {
        var h = ParseRequest(Request("/", "X-A: \t a  b \t ", "X-B:c")).Headers;
        Assert.Equal("a  b", h.GetFirst("X-A"));
        Assert.Equal("c", h.GetFirst("X-B"));
    }

    // RFC 9112 §5.2: obs-fold is deprecated; a recipient may reject it, and a WebSocket peer must not guess.
    [Theory]
    [InlineData(" continued")]
    [InlineData("\tcontinued")]
    public void rejects_obsolete_line_folding(string fold)
    {
        var p = Invalid(Request("/", "Host: a", "X-Long: first", fold));
        Assert.Equal(HandshakeProblemCode.ObsoleteLineFolding, p.Code);
        Assert.Equal(4, p.Line);
    }

    // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server MUST reject it with 400.
    [Theory]
    [InlineData("Host : a")]
    [InlineData("Host\t: a")]
    public void rejects_whitespace_before_the_colon(string line)
    {
        var p = Invalid(Request("/", line));
        Assert.Equal(HandshakeProblemCode.MalformedHeader, p.Code);
        Assert.Equal(2, p.Line);
        Assert.Contains("whitespace between the header name and the colon", p.Evidence, StringComparison.Ordinal);
    }

    // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS.
    [Theory]
    [InlineData("NoColonHere", "no colon")]
    [InlineData(": empty-name", "name is empty")]
    [InlineData("Bad(Name): x", "0x28")]
    public void rejects_a_header_line_that_is_not_name_colon_value(string line, string evidence)
    {
        var p = Invalid(Request("/", "Host: a", line));
        Assert.Equal(HandshakeProblemCode.MalformedHeader, p.Code);
        Assert.Equal(3, p.Line);
        Assert.Contains(evidence, p.Evidence, StringComparison.Ordinal);
    }

    // RFC 9110 §5.5: CR, LF and NUL are never allowed in a field value; other controls are not VCHAR either.
    [Theory]
    [InlineData("a\0b", "0x00")]
    [InlineData("a\rb", "0x0d")]
    [InlineData("a\u0001b", "0x01")]
    [InlineData("a\u007fb", "0x7f")]
    [InlineData("a\u001bb", "0x1b")]
    public void rejects_control_characters_in_a_value(string value, string evidence)
    {
        var p = Invalid(Request("/", "Host: a", "X-Bad: " + value));
        Assert.Equal(HandshakeProblemCode.MalformedHeader, p.Code);
        Assert.Equal(3, p.Line);
        Assert.Contains(evidence, p.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', p.Actual!);
    }

    // RFC 9110 §5.5: HTAB and obs-text (bytes 0x80-0xFF) are allowed in a value.
    [Fact]
    public void allows_tabs_and_obs_text_inside_a_value()
    {
        var h = ParseRequest(Request("/", "X-A: a\tb", "X-B: caf\u00e9")).Headers;
        Assert.Equal("a\tb", h.GetFirst("X-A"));
        Assert.Equal("caf\u00e9", h.GetFirst("X-B"));
    }

    // RFC 9112 §2.2: a recipient MAY recognize a single LF as a line terminator.
    [Fact]
    public void accepts_bare_lf_line_ends_and_gives_the_same_head()
    {
        string lf = ChromiumRequest.Replace("\r\n", "\n", StringComparison.Ordinal);
        var crlf = HttpRequestHead.Parse(Latin1(ChromiumRequest));
        var bare = HttpRequestHead.Parse(Latin1(lf));
        Assert.Equal(HttpParseStatus.Complete, bare.Status);
        Assert.Equal(lf.Length, bare.BytesConsumed);
        Assert.Equal(Trickle.ShowRequest(crlf.Head!), Trickle.ShowRequest(bare.Head!));
    }

    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received prior to the request-line.
    [Fact]
    public void ignores_empty_lines_before_the_request_line_and_still_counts_it_as_line_1()
    {
        string text = "\r\n\n" + Request("/x", "Host: a", "X-Bad : b");
        var p = Invalid(text);
        Assert.Equal(HandshakeProblemCode.MalformedHeader, p.Code);
        Assert.Equal(3, p.Line);
        var ok = HttpRequestHead.Parse(Latin1("\r\n" + Request("/x", "Host: a")));
        Assert.Equal(HttpParseStatus.Complete, ok.Status);
        Assert.Equal("/x", ok.Head!.Target);
        Assert.Equal(2, ok.Head.Headers.Fields[0].Line);
        Assert.Equal(2 + Request("/x", "Host: a").Length, ok.BytesConsumed);
    }

    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
    [Theory]
    [InlineData("GET /chat", "fewer than three parts")]
    [InlineData("GET  /chat HTTP/1.1", "extra spaces")]
    [InlineData("GET /chat HTTP/1.1 ", "extra spaces")]
    [InlineData("GET /chat http/1.1", "not an HTTP version")]
    [InlineData("GET /chat HTTP/11", "not an HTTP version")]
    [InlineData("G(T /chat HTTP/1.1", "not a method token")]
    [InlineData("GET /ch\u00e9t HTTP/1.1", "percent-encoded")]
    public void rejects_a_malformed_request_line(string line, string evidence)
    {
        var p = Invalid(line + "\r\nHost: a\r\n\r\n");
        Assert.Equal(HandshakeProblemCode.MalformedRequestLine, p.Code);
        Assert.Equal(1, p.Line);
        Assert.Contains(evidence, p.Evidence, StringComparison.Ordinal);
    }

    // RFC 9112 §3: no control characters in the request line.
    [Fact]
    public void rejects_a_request_line_with_a_control_character()
    {
        var p = Invalid("GET /\0 HTTP/1.1\r\n\r\n");
        Assert.Equal(HandshakeProblemCode.MalformedRequestLine, p.Code);
        Assert.Contains("0x00", p.Evidence, StringComparison.Ordinal);
        Assert.Equal("GET /\\x00 HTTP/1.1", p.Actual);
    }

    // RFC 9112 §3.2.2: absolute-form is allowed; the path and query are what matter.
    [Fact]
    public void splits_path_and_query_of_origin_form_and_absolute_form_targets()
    {
        var a = ParseRequest(Request("http://example.com:8080/a/b?x=1&y=2"));
        Assert.Equal("/a/b", a.Path);
        Assert.Equal("x=1&y=2", a.Query);
        var b = ParseRequest(Request("/only"));
        Assert.Equal("/only", b.Path);
        Assert.Equal("", b.Query);
        var c = ParseRequest(Request("/q?"));
        Assert.Equal("/q", c.Path);
        Assert.Equal("", c.Query);
    }

    // The head ends at the empty line: bytes after it belong to the WebSocket stream and are left alone.
    [Fact]
    public void consumes_only_the_head_and_leaves_the_following_bytes_alone()
    {
        byte[] head = Latin1(ChromiumRequest);
        byte[] frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, (byte)'\n', (byte)'\n'];
        byte[] input = [.. head, .. frame];
        var r = HttpRequestHead.Parse(input);
        Assert.Equal(HttpParseStatus.Complete, r.Status);
        Assert.Equal(head.Length, r.BytesConsumed);
        Assert.Equal(frame, input[r.BytesConsumed..]);
    }

    // ---- limits (RFC 9112 §2.3, RFC 6585 §5) ----

    private static readonly HttpParseLimits Small = new() { MaxLineLength = 64, MaxHeaderCount = 5, MaxHeadBytes = 1024 };

    [Fact]
    public void accepts_a_header_line_of_exactly_the_line_limit_and_rejects_one_byte_more()
    {
        string at = "X-A: " + new string('a', 64 - 5);
        Assert.Equal(64, at.Length);
        Assert.StartsWith("Complete", Parse(Latin1(Request("/", at)), Small), StringComparison.Ordinal);
        var p = Invalid(Request("/", at + "a"), Small);
        Assert.Equal(HandshakeProblemCode.LineTooLong, p.Code);
        Assert.Equal(2, p.Line);
        Assert.Equal("header line 2", p.Subject);
    }

    [Fact]
    public void accepts_a_request_line_of_exactly_the_line_limit_and_rejects_one_byte_more()
    {
        string at = "GET /" + new string('a', 64 - 14) + " HTTP/1.1";
        Assert.Equal(64, at.Length);
        Assert.StartsWith("Complete", Parse(Latin1(at + "\r\n\r\n"), Small), StringComparison.Ordinal);
        var p = Invalid("GET /a" + at[5..] + "\r\n\r\n", Small);
        Assert.Equal(HandshakeProblemCode.LineTooLong, p.Code);
        Assert.Equal(1, p.Line);
        Assert.Equal("request line", p.Subject);
    }

    [Fact]
    public void rejects_an_overlong_line_before_its_line_end_arrives()
    {
        // 65 bytes may still be 64 + CR; 66 bytes without LF can no longer be a line within the limit.
        Assert.Equal("NeedMoreData", Parse(Latin1(new string('a', 65)), Small));
        var r = HttpRequestHead.Parse(Latin1(new string('a', 66)), Small);
        Assert.Equal(HttpParseStatus.Invalid, r.Status);
        Assert.Equal(HandshakeProblemCode.LineTooLong, r.Problem!.Code);
        var header = HttpRequestHead.Parse(Latin1("GET / HTTP/1.1\r\nX: " + new string('a', 70)), Small);
        Assert.Equal(HandshakeProblemCode.LineTooLong, header.Problem!.Code);
        Assert.Equal(2, header.Problem.Line);
    }

    [Fact]
    public void accepts_exactly_the_header_count_limit_and_rejects_one_more()
    {
        string[] five = Enumerable.Range(1, 5).Select(i => $"X-{i}: {i}").ToArray();
        Assert.StartsWith("Complete", Parse(Latin1(Request("/", five)), Small), StringComparison.Ordinal);
        var p = Invalid(Request("/", [.. five, "X-6: 6"]), Small);
        Assert.Equal(HandshakeProblemCode.TooManyHeaders, p.Code);
        Assert.Equal(7, p.Line);
    }

    [Fact]
    public void accepts_a_head_of_exactly_the_byte_limit_and_rejects_one_byte_more()
    {
        var limits = new HttpParseLimits { MaxLineLength = 1000, MaxHeaderCount = 100, MaxHeadBytes = 300 };
        string Make(int size)
        {
            string bare = Request("/", "X-Pad: ");
            return Request("/", "X-Pad: " + new string('p', size - bare.Length));
        }
        string at = Make(300);
        Assert.Equal(300, at.Length);
        var ok = HttpRequestHead.Parse(Latin1(at), limits);
        Assert.Equal(HttpParseStatus.Complete, ok.Status);
        Assert.Equal(300, ok.BytesConsumed);
        var over = HttpRequestHead.Parse(Latin1(Make(301)), limits);
        Assert.Equal(HttpParseStatus.Invalid, over.Status);
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, over.Problem!.Code);
    }

    [Fact]
    public void the_default_limits_are_8_kib_per_line_100_headers_and_16_kib_in_all()
    {
        var d = HttpParseLimits.Default;
        Assert.Equal((8192, 100, 16384), (d.MaxLineLength, d.MaxHeaderCount, d.MaxHeadBytes));
        string cookie = "Cookie: " + new string('c', 8192 - 8);
        Assert.Equal(HttpParseStatus.Complete, HttpRequestHead.Parse(Latin1(Request("/", cookie))).Status);
        Assert.Equal(HandshakeProblemCode.LineTooLong, HttpRequestHead.Parse(Latin1(Request("/", cookie + "c"))).Problem!.Code);
        string[] many = Enumerable.Range(0, 101).Select(i => $"X-{i}: v").ToArray();
        Assert.Equal(HttpParseStatus.Complete, HttpRequestHead.Parse(Latin1(Request("/", many[..100]))).Status);
        Assert.Equal(HandshakeProblemCode.TooManyHeaders, HttpRequestHead.Parse(Latin1(Request("/", many))).Problem!.Code);
    }

    [Fact]
    public void many_short_lines_that_never_end_the_head_are_invalid_once_past_the_byte_limit()
    {
        var limits = new HttpParseLimits { MaxLineLength = 100, MaxHeaderCount = 10_000, MaxHeadBytes = 500 };
        var sb = new StringBuilder("GET / HTTP/1.1\r\n");
        while (sb.Length < 490)
        {
            sb.Append("X: y\r\n");
        }
        Assert.Equal("NeedMoreData", Parse(Latin1(sb.ToString()), limits));
        while (sb.Length < 600)
        {
            sb.Append("X: y\r\n");
        }
        var r = HttpRequestHead.Parse(Latin1(sb.ToString()), limits);
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, r.Problem!.Code);
    }

    [Fact]
    public void a_mebibyte_without_a_newline_is_invalid_not_a_request_for_more()
    {
        byte[] input = new byte[1024 * 1024];
        input.AsSpan().Fill((byte)'a');
        var r = HttpRequestHead.Parse(input);
        Assert.Equal(HttpParseStatus.Invalid, r.Status);
        Assert.Equal(HandshakeProblemCode.LineTooLong, r.Problem!.Code);
        Assert.Equal(0, r.BytesConsumed);
    }

    // ---- incomplete input and the trickle harness (DESIGN.md) ----

    [Fact]
    public void needs_more_data_for_every_strict_prefix_of_a_valid_request()
    {
        byte[] bytes = Latin1(ChromiumRequest);
        for (int n = 0; n < bytes.Length; n++)
        {
            var r = HttpRequestHead.Parse(bytes.AsSpan(0, n));
            Assert.True(r.Status == HttpParseStatus.NeedMoreData, $"prefix of {n} bytes gave {r.Status}: {r.Problem}");
            Assert.Equal(0, r.BytesConsumed);
            Assert.Null(r.Head);
            Assert.Null(r.Problem);
        }
    }

    [Fact]
    public void gives_the_whole_buffer_result_when_split_at_every_offset_byte_at_a_time_and_in_any_sequence_split()
    {
        byte[] head = Latin1(ChromiumRequest);
        byte[] input = [.. head, 0x81, 0x80, 1, 2, 3, 4];
        string whole = Parse(input);
        Assert.StartsWith($"Complete {head.Length} ", whole, StringComparison.Ordinal);
        // Byte at a time: every prefix.
        Trickle.Feed(input, Enumerable.Range(1, input.Length), b => Parse(b), whole, head.Length);
        // Split in two at every offset, as a two-segment sequence.
        for (int cut = 1; cut < input.Length; cut++)
        {
            var seq = Segmented(input, [cut]);
            Assert.Equal(whole, Trickle.Describe(HttpRequestHead.Parse(seq), Trickle.ShowRequest));
        }
    }

    [Fact]
    public void gives_the_whole_buffer_result_in_random_chunks()
    {
        byte[] head = Latin1(ChromiumRequest.Replace("\r\n", "\n", StringComparison.Ordinal));
        byte[] input = [.. head, .. "trailing"u8];
        string whole = Parse(input);
        Gen.Int[1, input.Length - 1].Array[1, 40].Sample(cuts =>
        {
            Trickle.Feed(input, cuts, b => Parse(b), whole, head.Length);
            var ordered = cuts.Distinct().Order().ToList();
            Assert.Equal(whole, Trickle.Describe(HttpRequestHead.Parse(Segmented(input, ordered)), Trickle.ShowRequest));
        }, iter: 300);
    }

    [Fact]
    public void an_invalid_head_is_equally_invalid_however_it_is_chunked()
    {
        byte[] input = Latin1(Request("/", "Host: a", "X-Bad : b", "Upgrade: websocket"));
        string whole = Parse(input);
        Assert.Equal("Invalid malformed-header line 3", whole);
        Gen.Int[1, input.Length - 1].Array[1, 10].Sample(cuts =>
            Assert.Equal(whole, Trickle.Describe(HttpRequestHead.Parse(Segmented(input, cuts.Distinct().Order().ToList())), Trickle.ShowRequest)),
            iter: 200);
    }

    [Fact]
    public void truncated_requests_need_more_data_and_never_complete()
    {
        foreach (string cut in new[] { "GET", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r" })
        {
            Assert.Equal("NeedMoreData", Parse(Latin1(cut)));
        }
        Assert.Equal("NeedMoreData", Parse([]));
    }

    // ---- binary garbage ----

    [Fact]
    public void random_bytes_give_only_a_documented_result_never_an_exception()
    {
        Gen.Byte.Array[0, 3000].Sample(bytes =>
        {
            var r = HttpRequestHead.Parse(bytes);
            switch (r.Status)
            {
                case HttpParseStatus.Complete:
                    Assert.NotNull(r.Head);
                    Assert.InRange(r.BytesConsumed, 1, bytes.Length);
                    break;
                case HttpParseStatus.NeedMoreData:
                    Assert.Null(r.Problem);
                    Assert.True(bytes.Length <= HttpParseLimits.Default.MaxHeadBytes);
                    break;
                case HttpParseStatus.Invalid:
                    Assert.NotNull(r.Problem);
                    Assert.False(string.IsNullOrEmpty(r.Problem.Explanation));
                    break;
                default:
                    Assert.Fail($"undocumented status {r.Status}");
                    break;
            }
        }, iter: 2000);
    }

    [Fact]
    public void random_bytes_far_larger_than_the_limits_are_invalid_not_a_request_for_more()
    {
        var limits = new HttpParseLimits { MaxLineLength = 64, MaxHeaderCount = 8, MaxHeadBytes = 256 };
        // Mostly printable with line ends, so that many lines parse before a limit is hit.
        var gen = Gen.OneOf(Gen.Byte, Gen.Const((byte)'\n'), Gen.Byte[(byte)'a', (byte)'z'], Gen.Const((byte)':'), Gen.Const((byte)' ')).Array[1024, 4096];
        gen.Sample(bytes =>
        {
            var r = HttpRequestHead.Parse(bytes, limits);
            Assert.NotEqual(HttpParseStatus.NeedMoreData, r.Status);
            if (r.Status == HttpParseStatus.Complete)
            {
                Assert.InRange(r.BytesConsumed, 1, 256);
            }
        }, iter: 1000);
    }

    [Fact]
    public void random_printable_header_lines_parse_to_the_same_fields()
    {
        var name = Gen.Char.AlphaNumeric.Array[1, 20].Select(c => new string(c));
        var value = Gen.Char[' ', '~'].Array[0, 40].Select(c => new string(c).Trim(' '));
        Gen.Select(name, value).Array[0, 30].Sample(fields =>
        {
            string text = Request("/", fields.Select(f => $"{f.Item1}: {f.Item2}").ToArray());
            var h = ParseRequest(text).Headers;
            Assert.Equal(fields.Select(f => (f.Item1, f.Item2)), h.Select(f => (f.Key, f.Value)));
        }, iter: 300);
    }

    [Theory]
    [InlineData(0, 100, 16384)]
    [InlineData(8192, -1, 16384)]
    [InlineData(8192, 100, 0)]
    public void refuses_limits_that_make_no_sense(int line, int count, int bytes)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new HttpParseLimits { MaxLineLength = line, MaxHeaderCount = count, MaxHeadBytes = bytes });
        Assert.StartsWith("Max", ex.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public void a_header_count_limit_of_zero_allows_only_the_start_line()
    {
        var limits = new HttpParseLimits { MaxHeaderCount = 0 };
        Assert.StartsWith("Complete", Parse("GET / HTTP/1.1\r\n\r\n"u8, limits), StringComparison.Ordinal);
        Assert.Equal("Invalid too-many-headers line 2", Parse("GET / HTTP/1.1\r\nA: b\r\n\r\n"u8, limits));
    }

    [Fact]
    public void a_segmented_sequence_gives_the_same_result_as_one_span_for_any_bytes()
    {
        var limits = new HttpParseLimits { MaxLineLength = 64, MaxHeaderCount = 8, MaxHeadBytes = 256 };
        var gen = Gen.OneOf(Gen.Byte, Gen.Const((byte)'\n'), Gen.Byte[(byte)'a', (byte)'z'], Gen.Const((byte)':')).Array[0, 600];
        Gen.Select(gen, Gen.Int[0, 600].Array[0, 6]).Sample((bytes, cuts) =>
        {
            var ordered = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().ToList();
            Assert.Equal(Parse(bytes, limits), Trickle.Describe(HttpRequestHead.Parse(Segmented(bytes, ordered), limits), Trickle.ShowRequest));
        }, iter: 1000);
    }

    // Never unbounded memory: a huge input costs at most about one head's worth of allocation.
    [Fact]
    public void parsing_a_huge_input_allocates_a_bounded_amount()
    {
        byte[] input = new byte[4 * 1024 * 1024];
        input.AsSpan().Fill((byte)'a');
        var segmented = Segmented(input, [1000, 2_000_000]);
        byte[] headers = Latin1("GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat("X: " + new string('v', 100) + "\r\n", 40_000)));
        // Warm up the code paths and the array pool.
        HttpRequestHead.Parse(input);
        HttpRequestHead.Parse(segmented);
        HttpRequestHead.Parse(headers);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var a = HttpRequestHead.Parse(input);
        var b = HttpRequestHead.Parse(segmented);
        var c = HttpRequestHead.Parse(headers);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(HandshakeProblemCode.LineTooLong, a.Problem!.Code);
        Assert.Equal(HandshakeProblemCode.LineTooLong, b.Problem!.Code);
        Assert.Equal(HandshakeProblemCode.TooManyHeaders, c.Problem!.Code);
        Assert.True(allocated < 256 * 1024, $"parsing allocated {allocated} bytes");
    }

    // Found by fuzzing (fuzz/regressions/http-request/limit-span-vs-segments): a head that breaks the byte limit got a
    // different problem, and so a different status (414 or 431), depending on whether its bytes arrived in one piece.
    [Fact]
    public void a_head_past_the_byte_limit_gets_the_same_problem_in_one_span_and_in_segments()
    {
        // 15 KB of headers, then a 9 KB line that crosses the 16 KiB limit: one span saw the whole line, segments only the head limit.
        var pads = Enumerable.Range(0, 15).Select(i => $"X-Pad-{i}: " + new string('p', 1000));
        byte[] bytes = Latin1(Request("/", [.. pads, "X-Long: " + new string('l', 9000)]));
        var whole = HttpRequestHead.Parse(bytes);
        var segmented = HttpRequestHead.Parse(Segmented(bytes, [100, 9000]));
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, whole.Problem!.Code);
        Assert.Equal(HandshakeProblemCode.HeadTooLarge, segmented.Problem!.Code);
    }
}
