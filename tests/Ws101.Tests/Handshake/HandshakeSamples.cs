using System.Buffers;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

/// <summary>Crafted handshake bytes shared by the handshake tests, and the trickle harness.</summary>
internal static class HandshakeSamples
{
    public const string RfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
    public const string RfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    public const string RfcGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>What Chromium sends for <c>new WebSocket("ws://example.com:8080/chat?room=1")</c> from https://example.com.</summary>
    public const string ChromiumRequest =
        "GET /chat?room=1 HTTP/1.1\r\n" +
        "Host: example.com:8080\r\n" +
        "Connection: Upgrade\r\n" +
        "Pragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
        "Upgrade: websocket\r\n" +
        "Origin: https://example.com\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
        "\r\n";

    /// <summary>A minimal valid upgrade request with the RFC's key.</summary>
    public static string Request(string target = "/chat", params string[] headers) =>
        $"GET {target} HTTP/1.1\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    /// <summary>The RFC 6455 §1.3 request, with <paramref name="replace"/> applied to its header lines.</summary>
    public static string UpgradeRequest(Func<List<string>, List<string>>? edit = null, string requestLine = "GET /chat HTTP/1.1")
    {
        var lines = new List<string>
        {
            "Host: server.example.com",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: " + RfcKey,
            "Sec-WebSocket-Version: 13",
        };
        if (edit is not null)
        {
            lines = edit(lines);
        }
        return requestLine + "\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "\r\n";
    }

    /// <summary>A valid 101 for the RFC key, with extra header lines.</summary>
    public static string Response101(string accept = RfcAccept, params string[] extra) =>
        "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: " + accept + "\r\n" +
        string.Concat(extra.Select(h => h + "\r\n")) +
        "\r\n";

    public static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    public static HttpRequestHead ParseRequest(string text)
    {
        var result = HttpRequestHead.Parse(Latin1(text));
        Assert.True(result.Status == HttpParseStatus.Complete, $"expected a complete request, got {result.Status}: {result.Problem}");
        return result.Head!;
    }

    public static HttpResponseHead ParseResponse(string text)
    {
        var result = HttpResponseHead.Parse(Latin1(text));
        Assert.True(result.Status == HttpParseStatus.Complete, $"expected a complete response, got {result.Status}: {result.Problem}");
        return result.Head!;
    }

    /// <summary>A sequence of several segments, one per chunk, so that the multi-segment path runs.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, IReadOnlyList<int> cuts)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            pieces.Add(bytes.AsMemory(start, cut - start));
            start = cut;
        }
        return Ws101.Fuzz.Chunks.Sequence(pieces);
    }
}

/// <summary>
/// The trickle harness of DESIGN.md: the same input fed as growing prefixes, at every split, one byte at
/// a time and in random chunks, must give NeedMoreData until the head is complete, then the whole-buffer result.
/// </summary>
internal static class Trickle
{
    /// <summary>A comparable summary of a parse result.</summary>
    public static string Describe<T>(HttpParseResult<T> r, Func<T, string> show) where T : class => r.Status switch
    {
        HttpParseStatus.Complete => $"Complete {r.BytesConsumed} {show(r.Head!)}",
        HttpParseStatus.Invalid => $"Invalid {r.Problem!.Id} line {r.Problem.Line}",
        _ => "NeedMoreData",
    };

    public static string ShowRequest(HttpRequestHead h) =>
        $"{h.Method} {h.Target} {h.Version} " + string.Join("|", h.Headers.Fields.ToArray().Select(f => $"{f.Name}={f.Value}@{f.Line}"));

    public static string ShowResponse(HttpResponseHead h) =>
        $"{h.StatusCode} {h.ReasonPhrase} {h.Version} " + string.Join("|", h.Headers.Fields.ToArray().Select(f => $"{f.Name}={f.Value}@{f.Line}"));

    /// <summary>
    /// Feeds <paramref name="input"/> as growing prefixes ending at each of <paramref name="cuts"/> and at the end.
    /// Every prefix before the complete head must need more data, and the final result must equal the whole parse.
    /// </summary>
    public static void Feed(byte[] input, IEnumerable<int> cuts, Func<ReadOnlySpan<byte>, string> parse, string whole, int headLength)
    {
        foreach (int cut in cuts.Where(c => c > 0 && c < input.Length).Distinct().Order())
        {
            string partial = parse(input.AsSpan(0, cut));
            if (cut < headLength)
            {
                Assert.True(partial == "NeedMoreData", $"prefix of {cut} bytes gave {partial}");
            }
            else
            {
                Assert.Equal(whole, partial);
            }
        }
        Assert.Equal(whole, parse(input));
    }
}
