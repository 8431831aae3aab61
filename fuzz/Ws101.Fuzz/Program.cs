using SharpFuzz;

namespace Ws101.Fuzz;

/// <summary>
/// <c>Ws101.Fuzz TARGET</c>: under afl-fuzz, the SharpFuzz fork server running TARGET on each input (outside afl-fuzz,
/// once, on standard input). <c>Ws101.Fuzz TARGET --replay PATH...</c>: runs every file (folders recursively) and prints
/// the exception of each one that fails. <c>Ws101.Fuzz --list</c>: the targets.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["--list"])
        {
            foreach (var t in FuzzTargets.All)
            {
                Console.WriteLine($"{t.Name,-18} {t.Description}");
            }
            return 0;
        }
        if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
        {
            Console.Error.WriteLine("usage: Ws101.Fuzz TARGET [--replay PATH...] | --list");
            Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
            return 64;
        }
        if (args.Length > 1 && args[1] == "--replay")
        {
            return Replay(target, args[2..]);
        }
        // Out of process: the fork server that afl-fuzz talks to starts the target in a child process and starts a new
        // child when one dies, so a hang (killed at afl-fuzz's timeout) or a stack overflow is recorded and fuzzing goes
        // on; with the in-process Fuzzer.Run either would end the whole afl-fuzz run.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            target.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length));
        });
        return 0;
    }

    private static int Replay(FuzzTarget target, string[] paths)
    {
        UseScratchTraceMap();
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        int failed = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"FAILED {file}");
                Console.WriteLine("  " + ex.ToString().Replace("\n", "\n  ", StringComparison.Ordinal));
            }
        }
        Console.WriteLine($"{target.Name}: {files.Count} inputs replayed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// The instrumented Ws101.dll that fuzz/run.sh builds counts every branch into SharpFuzz's trace map, which afl-fuzz
    /// provides as shared memory; when replaying there is none, so point the counters at a scratch buffer (SharpFuzz's
    /// map is 64 KiB). The uninstrumented library never reads it.
    /// </summary>
    private static unsafe void UseScratchTraceMap() =>
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
}
