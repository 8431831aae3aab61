using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Server;

namespace Ws101.Benchmarks.Compression;

/// <summary>
/// The figures of docs/compression.md: ratio and throughput on a text corpus, and memory per connection with
/// compression on and off. <c>dotnet run -c Release --project bench/Ws101.Benchmarks -- compression-report ratio|contexts|off|on|nct</c>.
/// </summary>
public static class CompressionReport
{
    /// <summary>
    /// <paramref name="part"/>: "ratio" (the table), "contexts" (native memory per context), or one connection measurement,
    /// "off", "on" or "nct" (each in its own process, since freed native memory is reused and would hide the next one's cost).
    /// </summary>
    public static async Task RunAsync(string part)
    {
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        switch (part)
        {
            case "ratio":
                Console.WriteLine($"prose: the repository's docs/*.md ({System.Text.Encoding.UTF8.GetByteCount(CompressionCorpus.SourceText())} bytes of Markdown), from a different offset per message");
                Console.WriteLine("| corpus | message | level | context | ratio (compressed/original) | compress MB/s | inflate MB/s |");
                Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
                foreach (var (name, make) in new (string, Func<int, int, byte[]>)[] { ("JSON", (n, s) => CompressionCorpus.Json(n, s)), ("prose", (n, s) => CompressionCorpus.Prose(n, s)) })
                {
                    foreach (int size in new[] { 1024, 16 * 1024, 256 * 1024 })
                    {
                        var messages = Enumerable.Range(0, 64).Select(i => make(size, i)).ToArray();
                        foreach (var level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal })
                        {
                            foreach (bool reset in new[] { false, true })
                            {
                                Ratio(name, size, level, reset, messages);
                            }
                        }
                    }
                }
                break;
            case "contexts":
                Contexts();
                break;
            case "off":
                await ConnectionsAsync(compression: false).ConfigureAwait(false);
                break;
            case "on":
                await ConnectionsAsync(compression: true).ConfigureAwait(false);
                break;
            case "nct":
                await ConnectionsAsync(compression: true, noContextTakeover: true).ConfigureAwait(false);
                break;
            default:
                Console.WriteLine("compression-report ratio|contexts|off|on|nct");
                break;
        }
    }

    private static void Ratio(string corpus, int size, CompressionLevel level, bool reset, byte[][] messages)
    {
        long original = 0, compressed = 0;
        var compressedMessages = new List<byte[]>();
        using (var c = new PerMessageDeflateCompressor(level, reset))
        {
            foreach (var m in messages)
            {
                var z = c.Compress(m, true).ToArray();
                compressedMessages.Add(z);
                original += m.Length;
                compressed += z.Length;
            }
        }
        // Throughput: repeat over the messages for about half a second each way.
        double compressMBs, inflateMBs;
        using (var c = new PerMessageDeflateCompressor(level, reset))
        {
            long bytes = 0;
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 500)
            {
                foreach (var m in messages)
                {
                    c.Compress(m, true);
                    bytes += m.Length;
                }
            }
            compressMBs = bytes / sw.Elapsed.TotalSeconds / 1e6;
        }
        {
            long bytes = 0;
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 500)
            {
                using var d = new PerMessageDeflateDecompressor(1 << 24, reset);
                foreach (var z in compressedMessages)
                {
                    d.Decompress(new ReadOnlySequence<byte>(z), true, out var inflated);
                    bytes += inflated.Length;
                }
            }
            inflateMBs = bytes / sw.Elapsed.TotalSeconds / 1e6;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {corpus} | {size / 1024} KiB | {level} | {(reset ? "reset" : "takeover")} | {(double)compressed / original:0.000} | {compressMBs:0} | {inflateMBs:0} |"));
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    private static void Contexts()
    {
        const int N = 500;
        var message = CompressionCorpus.Json(16 * 1024);
        var keep = new List<(List<PerMessageDeflateCompressor>, List<PerMessageDeflateDecompressor>)>();
        foreach (var level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal })
        {
            GC.Collect();
            long rss = Rss();
            var compressors = new List<PerMessageDeflateCompressor>();
            var compressed = Array.Empty<byte>();
            for (int i = 0; i < N; i++)
            {
                var c = new PerMessageDeflateCompressor(level);
                compressed = c.Compress(message, true).ToArray();
                c.Trim();
                compressors.Add(c);
            }
            GC.Collect();
            long compressorBytes = (Rss() - rss) / N;
            rss = Rss();
            var decompressors = new List<PerMessageDeflateDecompressor>();
            for (int i = 0; i < N; i++)
            {
                var d = new PerMessageDeflateDecompressor(1 << 20);
                d.Decompress(new ReadOnlySequence<byte>(compressed), true, out _);
                d.Trim();
                decompressors.Add(d);
            }
            GC.Collect();
            long decompressorBytes = (Rss() - rss) / N;
            Console.WriteLine($"context held after a 16 KiB message ({level}): compressor {compressorBytes / 1024} KiB RSS, decompressor {decompressorBytes / 1024} KiB RSS (mean over {N})");
            // Kept alive until the end: freed native memory would be reused by the next round and hide its cost.
            keep.Add((compressors, decompressors));
        }
        foreach (var (cs, ds) in keep)
        {
            cs.ForEach(c => c.Dispose());
            ds.ForEach(d => d.Dispose());
        }
    }

    private static async Task ConnectionsAsync(bool compression, bool noContextTakeover = false)
    {
        const int N = 300;
        var deflate = compression ? new PerMessageDeflateOptions { ServerNoContextTakeover = noContextTakeover, ClientNoContextTakeover = noContextTakeover } : null;
        var options = new WebSocketConnectionOptions { Compression = deflate, KeepAliveInterval = TimeSpan.Zero };
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], Connection = options });
        server.Map("/echo", async (ws, ct) =>
        {
            await foreach (var m in ws.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct).ConfigureAwait(false);
            }
        });
        await server.StartAsync().ConfigureAwait(false);
        var url = new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo");
        var text = System.Text.Encoding.UTF8.GetString(CompressionCorpus.Json(4096));
        // Warm up once, so that code and pools are in place before measuring.
        await using (var warm = await WebSocketClient.ConnectAsync(url, new WebSocketClientOptions { Connection = options }).ConfigureAwait(false))
        {
            await warm.SendTextAsync(text).ConfigureAwait(false);
            await warm.ReceiveAsync().ConfigureAwait(false);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heap = GC.GetTotalMemory(true), rss = Rss();
        var clients = new List<WebSocketConnection>();
        for (int i = 0; i < N; i++)
        {
            var ws = await WebSocketClient.ConnectAsync(url, new WebSocketClientOptions { Connection = options }).ConfigureAwait(false);
            await ws.SendTextAsync(text).ConfigureAwait(false);
            await ws.ReceiveAsync().ConfigureAwait(false);
            clients.Add(ws);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heapPer = (GC.GetTotalMemory(true) - heap) / N, rssPer = (Rss() - rss) / N;
        string what = !compression ? "off" : noContextTakeover ? "on, no context takeover both ways" : "on, context takeover";
        Console.WriteLine($"{N} connection pairs (server side + client side, in one process) after one 4 KiB echo, compression {what}: " +
            $"managed heap {heapPer / 1024.0:0.0} KiB per pair, RSS {rssPer / 1024.0:0.0} KiB per pair");
        foreach (var ws in clients)
        {
            ws.Abort();
        }
    }
}
