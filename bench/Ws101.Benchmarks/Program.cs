using BenchmarkDotNet.Running;

namespace Ws101.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project bench/Ws101.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["compression-report", ..])
        {
            Compression.CompressionReport.RunAsync(args.Length > 1 ? args[1] : "").GetAwaiter().GetResult();
            return;
        }
        if (args is ["echo-loop", ..])
        {
            // The isolated echo path in a plain loop, for perf record and a stopwatch: echo-loop PAYLOAD SECONDS (after a second of warm-up).
            var bench = new Connection.MessagePathBenchmarks { Payload = args.Length > 1 ? int.Parse(args[1]) : 20 };
            bench.Setup();
            double seconds = args.Length > 2 ? double.Parse(args[2]) : 5;
            // A second untimed first, so that the JIT's tiering is over before the clock starts.
            for (var warm = System.Diagnostics.Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 1;)
            {
                bench.Ws101();
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long calls = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                bench.Ws101();
                calls++;
            }
            Console.WriteLine($"{clock.Elapsed.TotalNanoseconds / (calls * Connection.MessagePathBenchmarks.Messages):F1} ns per message ({calls * Connection.MessagePathBenchmarks.Messages} messages)");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
