using System.Diagnostics;
using System.Globalization;
using Ws101.Server;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>ws101 serve --stats SECONDS</c>: one line per interval with what a leak or a limit would show first — connections,
/// resident memory, the GC heap, threads and open handles — as <c>key=value</c> pairs, for a person watching or a script
/// sampling them (bench/reliability/soak.sh plots them).
/// </summary>
internal sealed class ServeStats : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly TextWriter _output;
    private readonly Timer _timer;

    private ServeStats(WebSocketServer server, TextWriter output, TimeSpan interval)
    {
        _server = server;
        _output = output;
        _timer = new Timer(static state => ((ServeStats)state!).Write(), this, interval, interval);
    }

    /// <summary>Starts writing a line every <paramref name="interval"/>; null when the interval is zero (off).</summary>
    /// <remarks>Each line is one <see cref="TextWriter.WriteLine(string)"/> call: the console's writer is synchronized, so it never interleaves with the log's lines.</remarks>
    public static ServeStats? Start(WebSocketServer server, TextWriter output, TimeSpan interval) =>
        interval > TimeSpan.Zero ? new ServeStats(server, output, interval) : null;

    /// <summary>
    /// The line for now: <c>stats connections=N rss_kib=N gc_heap_kib=N gc_heap_after_gc_kib=N gc_committed_kib=N allocated_kib=N
    /// gc_collections=N/N/N threads=N handles=N</c>. <c>gc_heap_kib</c> counts garbage not yet collected too;
    /// <c>gc_heap_after_gc_kib</c> is the heap as the last collection left it, the figure to watch for a leak.
    /// </summary>
    public static string Line(int connections)
    {
        var gc = GC.GetGCMemoryInfo();
        using var self = Process.GetCurrentProcess();
        return string.Create(CultureInfo.InvariantCulture,
            $"stats connections={connections} rss_kib={Environment.WorkingSet / 1024} gc_heap_kib={GC.GetTotalMemory(false) / 1024} gc_heap_after_gc_kib={gc.HeapSizeBytes / 1024} " +
            $"gc_committed_kib={gc.TotalCommittedBytes / 1024} allocated_kib={GC.GetTotalAllocatedBytes() / 1024} gc_collections={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} " +
            $"threads={self.Threads.Count} handles={OpenHandles(self)}");
    }

    private void Write()
    {
        _output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {Line(_server.ConnectionCount)}");
        _output.Flush();
    }

    /// <summary>Open file descriptors on Linux (every socket is one), the handle count elsewhere.</summary>
    private static int OpenHandles(Process self)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        return self.HandleCount;
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();
}
