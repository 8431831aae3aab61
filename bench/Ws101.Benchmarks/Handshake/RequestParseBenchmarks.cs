using System.Text;
using BenchmarkDotNet.Attributes;
using Ws101.Handshake;

namespace Ws101.Benchmarks.Handshake;

/// <summary>
/// Parsing and validating a typical Chromium upgrade request, beside a plain split-by-lines parse into a
/// dictionary (what a hand-rolled handshake in an application usually does): the anchor.
/// </summary>
[MemoryDiagnoser]
public class RequestParseBenchmarks
{
    private static readonly byte[] ChromiumRequest = Encoding.ASCII.GetBytes(
        "GET /echo HTTP/1.1\r\n" +
        "Host: 127.0.0.1:8080\r\n" +
        "Connection: Upgrade\r\n" +
        "Pragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n" +
        "Upgrade: websocket\r\n" +
        "Origin: http://127.0.0.1:8080\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-US,en;q=0.9\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
        "\r\n");

    [Benchmark(Baseline = true, Description = "naive: string.Split lines into a Dictionary")]
    public int NaiveSplit()
    {
        string text = Encoding.ASCII.GetString(ChromiumRequest);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lines = text.Split("\r\n");
        for (int i = 1; i < lines.Length && lines[i].Length > 0; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers[lines[i][..colon]] = lines[i][(colon + 1)..].Trim();
        }
        return headers.Count;
    }

    [Benchmark(Description = "HttpRequestHead.Parse")]
    public int Parse() => HttpRequestHead.Parse(ChromiumRequest).BytesConsumed;

    [Benchmark(Description = "HttpRequestHead.Parse + ServerHandshake.Validate")]
    public bool ParseAndValidate() => ServerHandshake.Validate(HttpRequestHead.Parse(ChromiumRequest).Head!).IsValid;
}
