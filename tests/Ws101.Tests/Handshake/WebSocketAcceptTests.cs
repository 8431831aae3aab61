using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class WebSocketAcceptTests
{
    private static string Reference(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    [Fact]
    public void computes_the_rfc_6455_section_1_3_example()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketAccept.Compute("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void the_guid_is_the_one_rfc_6455_defines()
    {
        Assert.Equal("258EAFA5-E914-47DA-95CA-C5AB0DC85B11", WebSocketAccept.Guid);
    }

    [Fact]
    public void matches_a_plain_reference_over_random_keys()
    {
        Gen.Byte.Array[16].Sample(nonce =>
        {
            string key = Convert.ToBase64String(nonce);
            Assert.Equal(Reference(key), WebSocketAccept.Compute(key));
        }, iter: 2000);
    }

    [Fact]
    public void matches_a_plain_reference_for_any_ascii_text_up_to_the_limit()
    {
        Gen.Char['\0', '\x7f'].Array[0, WebSocketAccept.MaxKeyLength].Sample(chars =>
        {
            string key = new(chars);
            Assert.Equal(Reference(key), WebSocketAccept.Compute(key));
        }, iter: 1000);
    }

    [Fact]
    public void the_byte_and_char_span_overloads_agree_with_the_string_form()
    {
        Gen.Byte.Array[16].Sample(nonce =>
        {
            string key = Convert.ToBase64String(nonce);
            Span<byte> bytes = stackalloc byte[WebSocketAccept.Length];
            Assert.True(WebSocketAccept.TryCompute(Encoding.ASCII.GetBytes(key), bytes, out int n));
            Assert.Equal(WebSocketAccept.Length, n);
            Span<char> chars = stackalloc char[WebSocketAccept.Length];
            Assert.True(WebSocketAccept.TryCompute(key.AsSpan(), chars, out int m));
            Assert.Equal(WebSocketAccept.Length, m);
            string expected = Reference(key);
            Assert.Equal(expected, Encoding.ASCII.GetString(bytes));
            Assert.Equal(expected, new string(chars));
        }, iter: 200);
    }

    [Fact]
    public void the_span_overloads_allocate_nothing()
    {
        byte[] key = Encoding.ASCII.GetBytes("dGhlIHNhbXBsZSBub25jZQ==");
        byte[] destination = new byte[WebSocketAccept.Length];
        char[] chars = new char[WebSocketAccept.Length];
        // Warm up so that JIT and static initialisation are not counted.
        for (int i = 0; i < 10; i++)
        {
            WebSocketAccept.TryCompute(key, destination, out _);
            WebSocketAccept.TryCompute("dGhlIHNhbXBsZSBub25jZQ==".AsSpan(), chars, out _);
        }
        // The least of three batches: on a loaded machine the runtime now and then allocates on this thread while a
        // batch runs (tiering, a collection's bookkeeping), which is not the code under test; code that allocates
        // allocates in every batch.
        long[] batches = new long[3];
        for (int b = 0; b < batches.Length; b++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                WebSocketAccept.TryCompute(key, destination, out _);
                WebSocketAccept.TryCompute("dGhlIHNhbXBsZSBub25jZQ==".AsSpan(), chars, out _);
            }
            batches[b] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(batches.Min() == 0, $"bytes allocated per batch of 1000 rounds: {string.Join(", ", batches)}");
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Encoding.ASCII.GetString(destination));
    }

    [Fact]
    public void refuses_a_destination_too_short()
    {
        Span<char> small = stackalloc char[27];
        Assert.False(WebSocketAccept.TryCompute("dGhlIHNhbXBsZSBub25jZQ==".AsSpan(), small, out int n));
        Assert.Equal(0, n);
    }

    [Fact]
    public void refuses_a_key_over_the_limit_or_outside_ascii_with_a_clear_error()
    {
        var tooLong = new string('A', WebSocketAccept.MaxKeyLength + 1);
        var ex = Assert.Throws<ArgumentException>(() => WebSocketAccept.Compute(tooLong));
        Assert.Contains("ASCII", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WebSocketAccept.Compute("clé"));
    }

    [Fact]
    public void verifies_the_right_value_and_refuses_any_other()
    {
        Assert.True(WebSocketAccept.Verify("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        Assert.False(WebSocketAccept.Verify("dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo"));
        Assert.False(WebSocketAccept.Verify("dGhlIHNhbXBsZSBub25jZQ==", "S3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        Assert.False(WebSocketAccept.Verify("dGhlIHNhbXBsZSBub25jZQ==", " s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        Assert.False(WebSocketAccept.Verify("dGhlIHNhbXBsZSBub25jZQ==", null));
    }

    [Fact]
    public void generates_keys_of_sixteen_random_bytes_in_base64()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 200; i++)
        {
            string key = WebSocketAccept.GenerateKey();
            Assert.Equal(WebSocketAccept.KeyLength, key.Length);
            Assert.Equal(16, Convert.FromBase64String(key).Length);
            Assert.True(seen.Add(key), "two generated keys were equal");
        }
    }
}
