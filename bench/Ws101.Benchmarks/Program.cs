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
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
