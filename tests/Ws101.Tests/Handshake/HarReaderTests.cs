using System.Diagnostics;
using System.Text;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class HarReaderTests
{
    private static (HarReader Reader, List<HarEntry> Entries) Read(string json, int chunk = 64 * 1024, long maxBytes = HarReader.DefaultMaxBytes)
    {
        var entries = new List<HarEntry>();
        var reader = new HarReader(entries.Add, maxBytes);
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            reader.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), isFinal: false);
        }
        reader.Feed([], isFinal: true);
        return (reader, entries);
    }

    private const string OneUpgrade = """
        {"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[
          {"startedDateTime":"2024-12-05T09:00:00Z","request":{"method":"GET","url":"wss://a.example/s","httpVersion":"HTTP/1.1",
            "headers":[{"name":"Upgrade","value":"websocket"},{"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="}]},
           "response":{"status":101,"statusText":"Switching Protocols","httpVersion":"HTTP/1.1","headers":[{"name":"Upgrade","value":"websocket"}],
             "content":{"size":0,"mimeType":"x-unknown"},"_error":null},
           "_resourceType":"websocket",
           "_webSocketMessages":[{"type":"send","time":1733389200.5,"opcode":1,"data":"h\u00e9"},{"type":"receive","time":1733389201.25,"opcode":2,"data":"AAECAw=="},
             {"type":"receive","time":1733389202,"opcode":8,"data":"A+hieWU="}]}
        ]}}
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(65536)]
    public void reads_the_parts_of_an_entry_a_diagnosis_needs_whatever_the_chunks(int chunk)
    {
        var (reader, entries) = Read(OneUpgrade, chunk);
        Assert.Equal("WebInspector", reader.CreatorName);
        var e = Assert.Single(entries);
        Assert.Equal(("GET", "wss://a.example/s", "HTTP/1.1", 101), (e.Method, e.Url, e.RequestHttpVersion, e.Status));
        Assert.Equal([new HarHeader("Upgrade", "websocket"), new HarHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")], e.RequestHeaders);
        Assert.Null(e.Error);
        var m = e.Messages!;
        Assert.Equal((1L, 3L, 1L, 4L), (m.SentCount, m.SentBytes, m.ReceivedCount, m.ReceivedBytes));
        // RFC 6455 §5.5.1: the close frame's body is a 2-byte code and a UTF-8 reason.
        Assert.Equal((1000, "bye", "receive"), (m.CloseCode, m.CloseReason, m.CloseDirection));
        Assert.Equal(1733389200.5, m.FirstTime);
        Assert.Equal(1733389202, m.LastTime);
    }

    [Fact]
    public void reads_frame_times_in_milliseconds_as_playwright_writes_them()
    {
        var (_, entries) = Read(OneUpgrade.Replace("1733389200.5", "1733389200500", StringComparison.Ordinal));
        Assert.Equal(1733389200.5, entries[0].Messages!.FirstTime);
    }

    [Theory]
    [InlineData("", "does not contain any JSON")]
    [InlineData("GET / HTTP/1.1", "not valid JSON")]
    [InlineData("[1,2]", "a JSON array, not a HAR")]
    [InlineData("{\"log\":{\"version\":\"1.2\"}}", "no log.entries")]
    [InlineData("{\"log\":{\"entries\":[{\"request\":{}}", "not valid JSON")]
    [InlineData("{\"log\":{\"entries\":[]}} trailing", "not valid JSON")]
    public void refuses_what_is_not_a_har_with_a_clear_reason(string text, string reason)
    {
        var ex = Assert.Throws<HarFormatException>(() => Read(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_a_file_over_the_size_limit()
    {
        var ex = Assert.Throws<HarFormatException>(() => Read(OneUpgrade, maxBytes: 100));
        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_a_giant_number_instead_of_buffering_it()
    {
        string json = "{\"log\":{\"entries\":[],\"x\":" + new string('9', HarReader.MaxTokenBytes * 2) + "}}";
        var ex = Assert.Throws<HarFormatException>(() => Read(json, chunk: 4096));
        Assert.Contains("longer than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void keeps_a_bounded_number_of_headers_per_entry()
    {
        var headers = string.Join(",", Enumerable.Range(0, 500).Select(i => $"{{\"name\":\"X-{i}\",\"value\":\"v\"}}"));
        var (_, entries) = Read("{\"log\":{\"entries\":[{\"request\":{\"url\":\"ws://a/\",\"headers\":[" + headers + "]}}]}}");
        Assert.Equal(HarEntry.MaxHeaders, entries[0].RequestHeaders.Count);
        Assert.True(entries[0].RequestHeadersTruncated);
    }

    /// <summary>
    /// A HAR of about 50 MB, produced on the fly: a 20 MB response body in one string, 400 pages of 40 KB, and one
    /// WebSocket with 100,000 frames. The reader must hold no more than a chunk and a clipped string at any time.
    /// </summary>
    [Fact]
    public void reads_a_50_mb_har_in_bounded_memory()
    {
        var entries = new List<HarEntry>();
        var reader = new HarReader(entries.Add);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in FiftyMegabytes())
        {
            reader.Feed(chunk, isFinal: false);
        }
        reader.Feed([], isFinal: true);
        clock.Stop();

        Assert.InRange(reader.BytesRead, 50_000_000, 60_000_000);
        Assert.Equal(402, reader.EntryCount);
        var socket = entries.Single(e => e.Url == "wss://big.example/stream");
        Assert.Equal((50_000L, 50_000L), (socket.Messages!.SentCount, socket.Messages.ReceivedCount));
        Assert.Equal(50_000L * 64, socket.Messages.SentBytes);
        // A chunk (16 KiB) after clipping, plus at most one unfinished clipped string: nowhere near the 20 MB string.
        Assert.True(reader.PeakBufferedBytes < 64 * 1024, $"peak {reader.PeakBufferedBytes} bytes");
        TestContext.Current.SendDiagnosticMessage(
            $"50 MB HAR: {reader.BytesRead / 1e6:0.0} MB in {clock.ElapsedMilliseconds} ms, reader peak buffer {reader.PeakBufferedBytes} B, " +
            $"allocated {(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 1e6:0.0} MB in all (garbage, not held)");
    }

    private static IEnumerable<byte[]> FiftyMegabytes()
    {
        static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
        yield return B("{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"WebInspector\",\"version\":\"537.36\"},\"entries\":[");
        yield return B("{\"request\":{\"method\":\"GET\",\"url\":\"https://big.example/video\",\"headers\":[]},\"response\":{\"status\":200,\"content\":{\"mimeType\":\"video/mp4\",\"encoding\":\"base64\",\"text\":\"");
        byte[] block = B(new string('A', 1 << 20));
        for (int i = 0; i < 20; i++)
        {
            yield return block;
        }
        yield return B("\"}}}");
        string page = new('p', 42_000);
        for (int i = 0; i < 400; i++)
        {
            yield return B($",{{\"request\":{{\"method\":\"GET\",\"url\":\"https://big.example/page/{i}\",\"headers\":[{{\"name\":\"Accept\",\"value\":\"text/html\"}}]}},"
                + $"\"response\":{{\"status\":200,\"content\":{{\"mimeType\":\"text/html\",\"text\":\"{page}\"}}}}}}");
        }
        yield return B(",{\"request\":{\"method\":\"GET\",\"url\":\"wss://big.example/stream\",\"httpVersion\":\"HTTP/1.1\",\"headers\":[{\"name\":\"Upgrade\",\"value\":\"websocket\"}]},"
            + "\"response\":{\"status\":101,\"headers\":[]},\"_webSocketMessages\":[");
        string data = new('d', 64);
        var frames = new StringBuilder();
        for (int i = 0; i < 100_000; i++)
        {
            frames.Append(i == 0 ? "" : ",").Append(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"type\":\"{(i % 2 == 0 ? "send" : "receive")}\",\"time\":{1733389200 + i * 0.001:0.###},\"opcode\":1,\"data\":\"{data}\"}}"));
            if (frames.Length > 60_000)
            {
                yield return B(frames.ToString());
                frames.Clear();
            }
        }
        yield return B(frames + "]}]}}");
    }
}
