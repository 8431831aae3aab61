using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

/// <summary>
/// RFC 6455 §4.1 (response item 4) and §4.2.2 item 5.4: each wrong accept is computed here with plain code,
/// independently of the library's list of mistakes, and the diagnosis must name that one mistake.
/// </summary>
public class AcceptDiagnosisTests
{
    private const string Key = "x3JJHMbDL1EzLkh9GBhXDw==";
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static string B64(byte[] d) => Convert.ToBase64String(d);

    private static string Sha1B64(string text) => B64(SHA1.HashData(Ascii(text)));

    private static HandshakeProblem Diagnose(string received, string key = Key, IEnumerable<string>? otherKeys = null)
    {
        var p = AcceptDiagnosis.Diagnose(key, received, otherKeys);
        Assert.NotNull(p);
        Assert.Equal(HandshakeProblemCode.AcceptMismatch, p.Code);
        Assert.Equal("Sec-WebSocket-Accept", p.Subject);
        Assert.Equal(Sha1B64(key + Guid), p.Expected);
        return p;
    }

    /// <summary>A found cause: the cause id, the formula in the evidence, and one mistake named, never a list.</summary>
    private static HandshakeProblem Found(string received, string cause, params string[] evidence)
    {
        var p = Diagnose(received);
        Assert.Equal(cause, p.Cause);
        foreach (string e in evidence)
        {
            Assert.Contains(e, p.Evidence, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(" or ", p.Explanation, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(p.Fix));
        return p;
    }

    [Fact]
    public void the_right_value_is_no_problem()
    {
        Assert.Null(AcceptDiagnosis.Diagnose(Key, "HSmrc0sMlYUkAGmm5OPpG2HaGWk="));
        Assert.Null(AcceptDiagnosis.Diagnose(AcceptDiagnosis.RfcSampleKey, AcceptDiagnosis.RfcSampleAccept));
        Gen.Byte.Array[16].Sample(b =>
        {
            string key = B64(b);
            Assert.Null(AcceptDiagnosis.Diagnose(key, Sha1B64(key + Guid)));
        }, iter: 200);
    }

    // ---- the wrong hash ----

    [Fact]
    public void names_sha_256_instead_of_sha_1()
    {
        var p = Found(B64(SHA256.HashData(Ascii(Key + Guid))), "sha-256", "SHA-256", "base64(SHA-256(key + GUID))");
        Assert.Contains("SHA-256 instead of SHA-1", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void names_sha_512_instead_of_sha_1()
    {
        Found(B64(SHA512.HashData(Ascii(Key + Guid))), "sha-512", "base64(SHA-512(key + GUID))");
    }

    [Fact]
    public void names_sha_384_instead_of_sha_1()
    {
        Found(B64(SHA384.HashData(Ascii(Key + Guid))), "sha-384", "base64(SHA-384(key + GUID))");
    }

    [Fact]
    public void names_md5_instead_of_sha_1()
    {
        Found(B64(MD5.HashData(Ascii(Key + Guid))), "md5", "base64(MD5(key + GUID))");
    }

    // ---- the wrong encoding ----

    [Fact]
    public void names_lower_case_hex_instead_of_base64()
    {
        string hex = string.Concat(SHA1.HashData(Ascii(Key + Guid)).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Found(hex, "hex", "hex(SHA-1(key + GUID))");
    }

    [Fact]
    public void names_upper_case_hex_instead_of_base64()
    {
        string hex = string.Concat(SHA1.HashData(Ascii(Key + Guid)).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
        Found(hex, "hex-upper", "upper-case hex(SHA-1(key + GUID))");
    }

    [Fact]
    public void names_base64url_instead_of_base64()
    {
        // Find a key whose accept holds '+' or '/', so that base64url differs from base64 by more than the padding.
        string key = Enumerable.Range(0, 1000).Select(i => B64(BitConverter.GetBytes((long)i).Concat(new byte[8]).ToArray()))
            .First(k => Sha1B64(k + Guid).IndexOfAny(['+', '/']) >= 0);
        string accept = Sha1B64(key + Guid);
        string url = accept.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var p = AcceptDiagnosis.Diagnose(key, url)!;
        Assert.Equal("base64url", p.Cause);
        Assert.Contains("base64url(SHA-1(key + GUID))", p.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(" or ", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void names_unpadded_base64()
    {
        Found(Sha1B64(Key + Guid).TrimEnd('='), "base64-unpadded", "without '=' padding");
    }

    [Fact]
    public void names_base64_of_the_hex_text()
    {
        string hex = string.Concat(SHA1.HashData(Ascii(Key + Guid)).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Found(B64(Ascii(hex)), "base64-of-hex", "base64 of the hex text(SHA-1(key + GUID))");
    }

    // ---- the wrong GUID ----

    [Fact]
    public void names_a_lower_case_guid()
    {
        Found(Sha1B64(Key + "258eafa5-e914-47da-95ca-c5ab0dc85b11"), "guid-lowercase", "key + lower-case GUID");
    }

    [Fact]
    public void names_a_guid_without_dashes()
    {
        Found(Sha1B64(Key + "258EAFA5E91447DA95CAC5AB0DC85B11"), "guid-no-dashes", "GUID without dashes");
    }

    [Fact]
    public void names_a_guid_in_braces()
    {
        Found(Sha1B64(Key + "{258EAFA5-E914-47DA-95CA-C5AB0DC85B11}"), "guid-braces", "key + {GUID}");
    }

    [Fact]
    public void names_guid_and_key_in_the_wrong_order()
    {
        Found(Sha1B64(Guid + Key), "wrong-order", "GUID + key");
    }

    [Fact]
    public void names_a_missing_guid()
    {
        Found(Sha1B64(Key), "no-guid", "SHA-1(key alone)");
    }

    // ---- the key altered ----

    [Theory]
    [InlineData(Key + " ", "key-trailing-space", "key + \" \" + GUID")]
    [InlineData(" " + Key, "key-leading-space", "\" \" + key + GUID")]
    [InlineData(Key + "\r\n", "key-trailing-crlf", "key + CRLF + GUID")]
    [InlineData(Key + "\n", "key-trailing-lf", "key + LF + GUID")]
    [InlineData(Key + "\r", "key-trailing-cr", "key + CR + GUID")]
    [InlineData(Key + "\t", "key-trailing-tab", "key + TAB + GUID")]
    [InlineData("x3JJHMbDL1EzLkh9GBhXDw", "key-padding-stripped", "key without '=' padding + GUID")]
    [InlineData("x3jjhmbdl1ezlkh9gbhxdw==", "key-lowercased", "lower-case key + GUID")]
    [InlineData("X3JJHMBDL1EZLKH9GBHXDW==", "key-uppercased", "upper-case key + GUID")]
    public void names_a_key_altered_before_hashing(string hashedKey, string cause, string formula)
    {
        Found(Sha1B64(hashedKey + Guid), cause, formula);
    }

    [Fact]
    public void names_the_decoded_key_bytes_hashed_instead_of_the_key_text()
    {
        byte[] input = [.. Convert.FromBase64String(Key), .. Ascii(Guid)];
        Found(B64(SHA1.HashData(input)), "key-decoded", "base64-decoded key bytes + GUID");
    }

    [Fact]
    public void names_a_key_trimmed_by_the_server_when_the_client_sent_whitespace()
    {
        // The client hashed its key with a trailing space; the server trimmed it.
        var p = AcceptDiagnosis.Diagnose(Key + " ", Sha1B64(Key + Guid))!;
        Assert.Equal("key-trimmed", p.Cause);
    }

    // ---- a value for another key ----

    [Fact]
    public void names_the_rfc_sample_accept_sent_for_another_key()
    {
        var p = Found("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "rfc-sample-accept", "dGhlIHNhbXBsZSBub25jZQ==");
        Assert.Contains("hard-coded", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void names_the_accept_of_another_requests_key()
    {
        string other = "AQIDBAUGBwgJCgsMDQ4PEA==";
        var p = Diagnose(Sha1B64(other + Guid), Key, ["ignored", other]);
        Assert.Equal("other-key", p.Cause);
        Assert.Contains(other, p.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(" or ", p.Explanation, StringComparison.Ordinal);
        // Without the other keys, the value has the shape of an accept and nothing reproduces it.
        Assert.Null(Diagnose(Sha1B64(other + Guid)).Cause);
    }

    // ---- the value altered on the way ----

    [Fact]
    public void names_a_value_whose_case_was_changed()
    {
        Found(Sha1B64(Key + Guid).ToLowerInvariant(), "case-changed");
    }

    [Fact]
    public void names_a_quoted_value()
    {
        Found("\"" + Sha1B64(Key + Guid) + "\"", "quoted");
    }

    [Fact]
    public void names_a_truncated_value()
    {
        var p = Found(Sha1B64(Key + Guid)[..20], "truncated");
        Assert.Contains("first 20 of the 28 characters", p.Evidence, StringComparison.Ordinal);
    }

    // ---- combinations and what nothing explains ----

    [Fact]
    public void names_a_combination_of_two_mistakes_as_that_combination()
    {
        string received = B64(SHA256.HashData(Ascii(Key + "258eafa5-e914-47da-95ca-c5ab0dc85b11")));
        var p = Found(received, "guid-lowercase+sha-256", "base64(SHA-256(key + lower-case GUID))");
        Assert.Contains("lower case", p.Explanation, StringComparison.Ordinal);
        Assert.Contains("SHA-256", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void names_md5_in_hex_of_the_key_alone_as_three_mistakes()
    {
        string hex = string.Concat(MD5.HashData(Ascii(Key)).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Found(hex, "no-guid+md5+hex", "hex(MD5(key alone))");
    }

    [Fact]
    public void says_nothing_reproduces_a_well_shaped_value_and_points_at_the_guid_and_another_key()
    {
        // A mistyped GUID (one digit off) cannot be guessed.
        string received = Sha1B64(Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B12");
        var p = Diagnose(received);
        Assert.Null(p.Cause);
        Assert.Contains("20 bytes", p.Evidence, StringComparison.Ordinal);
        Assert.Contains("GUID", p.Explanation, StringComparison.Ordinal);
        Assert.Contains("another key", p.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("not-an-accept!")]
    [InlineData("\u00e9\u00e9\u00e9")]
    public void says_garbage_is_not_an_accept(string received)
    {
        var p = Diagnose(received);
        Assert.Null(p.Cause);
        Assert.Contains("not an accept", p.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void names_the_digest_size_of_a_value_that_is_base64_of_another_length()
    {
        string sha256OfSomethingElse = B64(SHA256.HashData(Ascii("something else")));
        var p = Diagnose(sha256OfSomethingElse);
        Assert.Null(p.Cause);
        Assert.Contains("32 bytes (the size of a SHA-256 digest)", p.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void makes_control_characters_in_the_received_value_visible()
    {
        var p = Diagnose("abc\u0001");
        Assert.Equal("abc\\x01", p.Actual);
    }

    [Fact]
    public void an_invalid_key_gives_a_problem_that_says_so()
    {
        var p = AcceptDiagnosis.Diagnose("cl\u00e9", "anything")!;
        Assert.Null(p.Cause);
        Assert.Contains("key itself is invalid", p.Explanation, StringComparison.Ordinal);
    }

    // Property: whatever the key, the SHA-256 mistake is found, and random values never throw.
    [Fact]
    public void finds_the_sha_256_mistake_for_any_key_and_never_throws_on_random_values()
    {
        Gen.Byte.Array[16].Sample(b =>
        {
            string key = B64(b);
            Assert.Equal("sha-256", AcceptDiagnosis.Diagnose(key, B64(SHA256.HashData(Ascii(key + Guid))))!.Cause);
        }, iter: 50);
        Gen.String.Sample(s =>
        {
            var p = AcceptDiagnosis.Diagnose(Key, s);
            Assert.NotNull(p);
            Assert.False(string.IsNullOrEmpty(p.Explanation));
        }, iter: 100);
    }

    [Fact]
    public void names_whitespace_inserted_into_the_right_value()
    {
        string accept = Sha1B64(Key + Guid);
        var p = Found(accept[..14] + " " + accept[14..], "whitespace-added");
        Assert.Contains("whitespace", p.Evidence, StringComparison.Ordinal);
        Found(accept[..10] + "\r\n " + accept[10..], "whitespace-added");
    }

    [Fact]
    public void a_20_byte_value_with_whitespace_inside_is_still_recognised_as_sha_1_shaped()
    {
        string other = Sha1B64("AQIDBAUGBwgJCgsMDQ4PEA==" + Guid);
        var p = Diagnose(other[..14] + " " + other[14..]);
        Assert.Null(p.Cause);
        Assert.Contains("20 bytes, the size of a SHA-1 digest", p.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void names_a_lower_case_guid_without_dashes()
    {
        Found(Sha1B64(Key + "258eafa5e91447da95cac5ab0dc85b11"), "guid-lowercase-no-dashes", "lower-case GUID without dashes");
    }

    [Fact]
    public void names_the_guid_hashed_without_the_key()
    {
        Found(Sha1B64(Guid), "guid-alone", "SHA-1(GUID alone)");
    }

    [Fact]
    public void names_whitespace_removed_from_inside_a_key_the_client_sent_with_it()
    {
        string sent = "x3JJHMbDL1Ez Lkh9GBhXDw==";
        var p = AcceptDiagnosis.Diagnose(sent, Sha1B64("x3JJHMbDL1EzLkh9GBhXDw==" + Guid))!;
        Assert.Equal("key-whitespace-removed", p.Cause);
    }
}
